/**
 * The SQS source's backlog gauges against the real ElasticMQ (scripts/brokers.sh):
 * ApproximateNumberOfMessages and ApproximateNumberOfMessagesNotVisible, read on an interval.
 */
import { CreateQueueCommand, DeleteQueueCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../../lib/engine/events/source';
import { SqsEventSource } from '../../../lib/engine/events/sqs-source';
import { ReplicateMetrics } from '../../../lib/engine/observability/replicate-metrics';
import { resolveReplicateConfig, type SqsSourceConfig } from '../../../lib/model';
import { brokers } from '../../support/brokers';
import { metricValue, uniqueName } from '../commands/replicate-fixtures';

let sqs: SQSClient;
let endpoint: string;
let queueUrl: string;

beforeAll(async () => {
  endpoint = (await brokers()).sqsEndpoint;
  // ElasticMQ takes any credentials; the source's client reads them from the default chain.
  process.env.AWS_ACCESS_KEY_ID ??= 'elasticmq';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'elasticmq';
  sqs = new SQSClient({ endpoint, region: 'elasticmq' });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('backlog') }))).QueueUrl as string;
});

afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  sqs.destroy();
});

async function eventually<T>(read: () => Promise<T>, want: T, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let got = await read();
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    got = await read();
  }
  expect(got).toEqual(want);
}

describe('SqsEventSource backlog gauges', () => {
  it('reports the visible and the in-flight messages of the queue on an interval', async () => {
    for (let i = 0; i < 5; i++) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `{"Records":[]}` }));
    const config = resolveReplicateConfig({
      sources: [{ name: 's', type: 'sqs', queueUrl, endpoint, region: 'elasticmq', maxMessages: 2, waitTimeSeconds: 1, lagIntervalSeconds: 1 }],
      routes: [{ name: 'r', source: 'a:src', destination: 'a:dst' }],
    }).sources[0] as SqsSourceConfig;
    const metrics = new ReplicateMetrics();
    const source = new SqsEventSource(config, { logger: pino({ level: 'silent' }), metrics });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    await source.start(async (): Promise<Verdict> => {
      await gate;
      handled++;
      return 'done';
    });
    const backlog = async (): Promise<number[]> =>
      Promise.all([
        metricValue(metrics, 'bucketbridge_replicate_sqs_messages', { source: 's', state: 'visible' }),
        metricValue(metrics, 'bucketbridge_replicate_sqs_messages', { source: 's', state: 'not-visible' }),
        metricValue(metrics, 'bucketbridge_replicate_consumer_lag_messages', { source: 's' }),
      ]);
    try {
      // One receive of 2 held by the handler: 3 wait, 2 are in flight.
      await eventually(backlog, [3, 2, 3]);
      release();
      await eventually(async () => handled, 5);
      await eventually(backlog, [0, 0, 0]);
    } finally {
      release();
      await source.stop();
    }
  });
});
