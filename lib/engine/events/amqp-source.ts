import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { AmqpSourceConfig } from '../../model';
import { EventSourceError, type DeliveryHandler, type EventSource, type SourceDeps } from './source';

/**
 * A RabbitMQ queue bound to the exchange RGW publishes to (`amqp-exchange`; RGW uses the topic
 * name as routing key). Declares the durable topic exchange (RGW needs it to exist), the queue
 * with `x-dead-letter-exchange`, and that exchange (fanout) with a `<queue>.dlq` queue. A message
 * is acked after its work succeeded, rejected without requeue (so RabbitMQ dead-letters it) when
 * it is poison or its retries ran out, and requeued when the engine stops before it is done.
 * Speaks AMQP 0-9-1 through amqplib (RabbitMQ 3.x and 4.x).
 * @see https://www.rabbitmq.com/docs/dlx
 */
export class AmqpEventSource implements EventSource {
  readonly name: string;
  private model: ChannelModel | undefined;
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private depthTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly config: AmqpSourceConfig,
    private readonly deps: SourceDeps & { env?: Readonly<Record<string, string | undefined>> },
  ) {
    this.name = config.name;
  }

  async start(handler: DeliveryHandler): Promise<void> {
    const c = this.config;
    const env = this.deps.env ?? process.env;
    const url = new URL(c.url);
    const username = c.usernameEnv === undefined ? undefined : env[c.usernameEnv];
    const password = c.passwordEnv === undefined ? undefined : env[c.passwordEnv];
    try {
      this.model = await amqp.connect({
        protocol: url.protocol.replace(':', ''),
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        vhost: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '/',
        username: username ?? 'guest',
        password: password ?? 'guest',
      });
      // Only warnings here: the engine logs the one line that says why it stops (SourceDeps.lost).
      this.model.on('error', (err: Error) => this.deps.logger.warn({ err: err.message }, 'amqp connection error'));
      this.model.on('close', () => {
        this.closed = true;
        if (!this.stopping) {
          this.deps.logger.warn('amqp connection closed unexpectedly; unacknowledged messages go back to the queue');
          this.deps.lost?.(`source '${this.name}': the AMQP connection to ${url.host} closed`);
        }
      });
      const ch = await this.model.createChannel();
      this.channel = ch;
      const dlq = `${c.queue}.dlq`;
      await ch.assertExchange(c.exchange, 'topic', { durable: true });
      await ch.assertExchange(c.deadLetterExchange, 'fanout', { durable: true });
      await ch.assertQueue(dlq, { durable: true });
      await ch.bindQueue(dlq, c.deadLetterExchange, '');
      await ch.assertQueue(c.queue, { durable: true, deadLetterExchange: c.deadLetterExchange });
      await ch.bindQueue(c.queue, c.exchange, c.routingKey);
      await ch.prefetch(c.prefetch);
      const { consumerTag } = await ch.consume(c.queue, (msg) => {
        if (msg === null) return;
        const done = this.deliver(ch, msg, handler);
        this.inFlight.add(done);
        void done.finally(() => this.inFlight.delete(done));
      }, { noAck: false });
      this.consumerTag = consumerTag;
    } catch (err) {
      await this.model?.close().catch(() => undefined);
      throw new EventSourceError(`source '${this.name}': cannot consume queue '${c.queue}' on ${url.host}: ${(err as Error).message}`);
    }
    this.depthTimer = setInterval(() => void this.readDepth(), c.lagIntervalSeconds * 1000);
    this.depthTimer.unref();
    this.deps.logger.info({ queue: c.queue, exchange: c.exchange, deadLetterExchange: c.deadLetterExchange }, 'amqp source consuming');
  }

  private async deliver(ch: Channel, msg: ConsumeMessage, handler: DeliveryHandler): Promise<void> {
    let verdict;
    try {
      verdict = await handler({ body: msg.content });
    } catch (err) {
      this.deps.logger.error({ err }, 'amqp delivery failed');
      verdict = 'retry-later' as const;
    }
    if (this.closed) return; // the broker redelivers what was not acked on this connection
    if (verdict === 'done') ch.ack(msg);
    else if (verdict === 'dead-letter') ch.nack(msg, false, false);
    else ch.nack(msg, false, true);
  }

  private async readDepth(): Promise<void> {
    try {
      const { messageCount } = await (this.channel as Channel).checkQueue(this.config.queue);
      this.deps.metrics.consumerLag.set({ source: this.name }, messageCount);
    } catch (err) {
      this.deps.logger.debug({ err: (err as Error).message }, 'could not read the queue depth');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.depthTimer !== undefined) clearInterval(this.depthTimer);
    if (this.consumerTag !== undefined && !this.closed) await this.channel?.cancel(this.consumerTag).catch(() => undefined);
    await Promise.all([...this.inFlight]);
    if (!this.closed) await this.model?.close().catch(() => undefined);
  }

  ready(): boolean {
    return this.consumerTag !== undefined && !this.closed && !this.stopping;
  }
}
