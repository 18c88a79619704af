import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SqsSourceConfig } from '../../model';
import { describeError } from '../errors';
import { EventSourceError, type DeliveryHandler, type EventSource, type Verdict, type SourceDeps } from './source';

/**
 * Long-polls an SQS queue that S3 (directly or through SNS) delivers event notifications to.
 * Credentials come from the SDK's default chain. A message is deleted after its work succeeded;
 * while the work runs its visibility is extended every half timeout. Poison and failed messages go
 * to `deadLetterQueueUrl` at once when one is set; otherwise they are made visible again, and the
 * queue's redrive policy moves them after `maxReceiveCount` receives.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export class SqsEventSource implements EventSource {
  readonly name: string;
  private readonly client: SQSClient;
  private readonly polling = new AbortController();
  private loop: Promise<void> | undefined;
  private backlogTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private healthy = false;

  constructor(
    private readonly config: SqsSourceConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name;
    this.client = new SQSClient({ region: config.region ?? regionOf(config.queueUrl) ?? process.env.AWS_REGION, endpoint: config.endpoint });
  }

  async start(handler: DeliveryHandler): Promise<void> {
    try {
      await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.config.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    } catch (err) {
      throw new EventSourceError(`source '${this.name}': cannot reach queue ${this.config.queueUrl}: ${describeError(err)}`);
    }
    this.healthy = true;
    this.loop = this.poll(handler);
    void this.readBacklog();
    this.backlogTimer = setInterval(() => void this.readBacklog(), this.config.lagIntervalSeconds * 1000);
    this.backlogTimer.unref();
    this.deps.logger.info({ queueUrl: this.config.queueUrl, deadLetterQueueUrl: this.config.deadLetterQueueUrl }, 'sqs source polling');
  }

  private async poll(handler: DeliveryHandler): Promise<void> {
    const c = this.config;
    while (!this.stopping) {
      let messages: Message[];
      try {
        const out = await this.client.send(
          new ReceiveMessageCommand({ QueueUrl: c.queueUrl, MaxNumberOfMessages: c.maxMessages, WaitTimeSeconds: c.waitTimeSeconds, VisibilityTimeout: c.visibilityTimeoutSeconds }),
          { abortSignal: this.polling.signal },
        );
        messages = out.Messages ?? [];
        this.healthy = true;
      } catch (err) {
        if (this.stopping) break;
        this.healthy = false;
        this.deps.logger.error({ err: describeError(err) }, 'sqs receive failed; retrying in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      await Promise.all(messages.map((m) => this.deliver(m, handler)));
    }
  }

  private async deliver(message: Message, handler: DeliveryHandler): Promise<void> {
    const c = this.config;
    const receipt = message.ReceiptHandle as string;
    const extend = setInterval(() => {
      this.client
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: c.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: c.visibilityTimeoutSeconds }))
        .catch((err: unknown) => this.deps.logger.warn({ err: describeError(err) }, 'could not extend a message visibility'));
    }, (c.visibilityTimeoutSeconds * 1000) / 2);
    let verdict: Verdict;
    const delivery: Parameters<DeliveryHandler>[0] = { body: Buffer.from(message.Body ?? '', 'utf8') };
    try {
      verdict = await handler(delivery);
    } finally {
      clearInterval(extend);
    }
    try {
      if (verdict === 'dead-letter' && c.deadLetterQueueUrl !== undefined) {
        await this.client.send(
          new SendMessageCommand({
            QueueUrl: c.deadLetterQueueUrl,
            MessageBody: message.Body ?? '',
            MessageAttributes: {
              'bucketbridge-reason': { DataType: 'String', StringValue: delivery.deadLetter?.reason ?? 'failed' },
              'bucketbridge-error': { DataType: 'String', StringValue: delivery.deadLetter?.message || 'failed' },
            },
          }),
        );
        verdict = 'done';
      }
      if (verdict === 'done') await this.client.send(new DeleteMessageCommand({ QueueUrl: c.queueUrl, ReceiptHandle: receipt }));
      else await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: c.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: 0 }));
    } catch (err) {
      // The message becomes visible again when its timeout runs out and is handled once more.
      this.deps.logger.error({ err: describeError(err), verdict }, 'could not settle an sqs message');
    }
  }

  /** The queue's backlog: messages waiting (visible) and received but not yet deleted (not visible). */
  private async readBacklog(): Promise<void> {
    try {
      const out = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: this.config.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        { abortSignal: this.polling.signal },
      );
      const visible = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      const notVisible = Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      this.deps.metrics.queueMessages.set({ source: this.name, state: 'visible' }, visible);
      this.deps.metrics.queueMessages.set({ source: this.name, state: 'not-visible' }, notVisible);
      this.deps.metrics.consumerLag.set({ source: this.name }, visible);
    } catch (err) {
      if (!this.stopping) this.deps.logger.debug({ err: describeError(err) }, 'could not read the queue backlog');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.backlogTimer !== undefined) clearInterval(this.backlogTimer);
    this.polling.abort();
    await this.loop;
    this.client.destroy();
  }

  ready(): boolean {
    return this.loop !== undefined && this.healthy && !this.stopping;
  }
}

/** `https://sqs.eu-west-1.amazonaws.com/...` -> `eu-west-1`. */
function regionOf(queueUrl: string): string | undefined {
  return /^https?:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1];
}
