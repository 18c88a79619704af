/**
 * The Kafka source's lag gauges against the real Kafka broker (scripts/brokers.sh): read from the
 * group's committed offsets and the partitions' high watermarks (kafkajs admin) on an interval, so
 * a partition shows its lag before any batch of it finished.
 */
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaEventSource } from '../../../lib/engine/events/kafka-source';
import type { Verdict } from '../../../lib/engine/events/source';
import { ReplicateMetrics } from '../../../lib/engine/observability/replicate-metrics';
import { resolveReplicateConfig, type KafkaSourceConfig } from '../../../lib/model';
import { brokers } from '../../support/brokers';
import { metricValue, uniqueName } from '../commands/replicate-fixtures';

let kafka: Kafka;
let bootstrap: string;

beforeAll(async () => {
  bootstrap = (await brokers()).kafkaBrokers;
  kafka = new Kafka({ clientId: 'kafka-source-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
});

/** Polls `read` until it gives `want` (or the deadline passes), then asserts it. */
async function eventually<T>(read: () => Promise<T>, want: T, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let got = await read();
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    got = await read();
  }
  expect(got).toEqual(want);
}

describe('KafkaEventSource lag gauges', () => {
  const admin = (): ReturnType<Kafka['admin']> => kafka.admin();
  let topic: string;
  afterAll(async () => {
    const a = admin();
    await a.connect();
    await a.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await a.disconnect();
  });

  it('reports every partition’s lag from the group’s offsets, also for partitions no batch has finished', async () => {
    topic = uniqueName('lag');
    const a = admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await a.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const send = (partition: number, count: number): Promise<unknown> =>
      producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition, value: `{"Records":[]} ${i}` })) });
    await send(0, 5);
    await send(1, 2);

    const config = resolveReplicateConfig({
      sources: [{ name: 'k', type: 'kafka', brokers: [bootstrap], topic, groupId: uniqueName('lag-group'), lagIntervalSeconds: 1 }],
      routes: [{ name: 'r', source: 'a:src', destination: 'a:dst' }],
    }).sources[0] as KafkaSourceConfig;
    const metrics = new ReplicateMetrics();
    const source = new KafkaEventSource(config, { logger: pino({ level: 'silent' }), metrics });
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    await source.start(async (delivery): Promise<Verdict> => {
      await gate;
      handled.push(delivery.body.toString());
      return 'done';
    });
    try {
      const lags = async (): Promise<number[]> =>
        Promise.all([0, 1, 2].map((p) => metricValue(metrics, 'bucketbridge_replicate_kafka_partition_lag_messages', { source: 'k', partition: String(p) })));
      const total = (): Promise<number> => metricValue(metrics, 'bucketbridge_replicate_consumer_lag_messages', { source: 'k' });
      // Nothing committed yet: the lag runs from the low watermark (fromBeginning).
      await eventually(lags, [5, 2, 0]);
      await eventually(total, 7);
      expect(source.ready()).toBe(true);
      release();
      await eventually(async () => handled.length, 7);
      await eventually(lags, [0, 0, 0]);
      await eventually(total, 0);
      // A partition whose batch is held: its lag shows from the poll alone.
      gate = new Promise<void>((resolve) => (release = resolve));
      await send(2, 3);
      await eventually(lags, [0, 0, 3]);
      await eventually(total, 3);
      release();
      await eventually(lags, [0, 0, 0]);
    } finally {
      release();
      await source.stop();
      await producer.disconnect();
    }
  });
});
