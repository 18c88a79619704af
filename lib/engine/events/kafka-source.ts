import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type Consumer, type KafkaMessage, type Producer, type SASLOptions } from 'kafkajs';
import type { KafkaSourceConfig } from '../../model';
import { EventSourceError, type Verdict, type DeliveryHandler, type EventSource, type SourceDeps } from './source';

/** Heartbeats while a batch is worked on, well inside the session timeout (30 s). */
const HEARTBEAT_MS = 3_000;

/** kafkajs' `ssl` and `sasl` options of a source: its CA file read, its credentials taken from the environment. */
export interface KafkaSecurityOptions {
  readonly ssl?: ConnectionOptions | boolean;
  readonly sasl?: SASLOptions;
}

/**
 * Resolves a source's `tls` and `sasl` into kafkajs options. Throws one `EventSourceError` naming
 * every field that cannot be honoured (an unreadable CA file, an unset variable); the values of the
 * credential variables never appear in it.
 */
export function kafkaSecurityOptions(config: KafkaSourceConfig, env: Readonly<Record<string, string | undefined>> = process.env): KafkaSecurityOptions {
  const problems: string[] = [];
  let ssl: ConnectionOptions | boolean | undefined;
  if (config.tls) {
    const options: ConnectionOptions = { rejectUnauthorized: config.tls.verify };
    if (config.tls.caFile !== undefined) {
      try {
        options.ca = readFileSync(config.tls.caFile, 'utf8');
      } catch (err) {
        problems.push(`'tls.caFile' must be a readable PEM file, got ${config.tls.caFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    ssl = options;
  }
  let sasl: SASLOptions | undefined;
  if (config.sasl) {
    const { mechanism, usernameEnv, passwordEnv } = config.sasl;
    const username = env[usernameEnv];
    const password = env[passwordEnv];
    if (username === undefined || username === '') problems.push(`'sasl.usernameEnv' must name a set, non-empty environment variable, got ${usernameEnv}`);
    if (password === undefined || password === '') problems.push(`'sasl.passwordEnv' must name a set, non-empty environment variable, got ${passwordEnv}`);
    sasl = { mechanism, username: username ?? '', password: password ?? '' } as SASLOptions;
  }
  if (problems.length > 0) throw new EventSourceError(`source '${config.name}': ${problems.join('; ')}`);
  return { ...(ssl !== undefined ? { ssl } : {}), ...(sasl !== undefined ? { sasl } : {}) };
}

/**
 * A Kafka consumer group on the bucket-notification topic (kafkajs: Kafka 0.10 and later,
 * including 3.x and 4.x brokers, which keep the protocol versions kafkajs speaks). A batch's
 * messages are handed to the replicator together (it serializes per key, in offset order, and
 * bounds the parallelism); the group's offset is committed by hand, only up to the last message of
 * an unbroken run of finished ones. Poison or failed messages are produced to the DLQ topic first.
 * TLS and SASL (`tls`, `sasl`) apply to the one client all three (consumer, DLQ producer, admin)
 * are made from; a rejected login is not retried.
 */
export class KafkaEventSource implements EventSource {
  readonly name: string;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private running = false;
  private stopping = false;

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name;
  }

  async start(handler: DeliveryHandler): Promise<void> {
    const c = this.config;
    const log = this.deps.logger;
    const security = kafkaSecurityOptions(c, this.deps.env);
    const kafka = new Kafka({
      clientId: c.clientId,
      brokers: [...c.brokers],
      ...security,
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error({ kafka: rest }, message);
        else log.warn({ kafka: rest }, message);
      },
      retry: { retries: 8 },
    });
    try {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: c.deadLetterTopic }], waitForLeaders: true });
      await admin.disconnect();
      this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
      this.consumer = kafka.consumer({ groupId: c.groupId });
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: c.topic, fromBeginning: c.fromBeginning });
    } catch (err) {
      await this.disconnect();
      throw new EventSourceError(`source '${this.name}': cannot consume topic '${c.topic}' from ${c.brokers.join(',')}: ${(err as Error).message}`);
    }
    const consumer = this.consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      log.error({ err: payload.error.message, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart && !this.stopping) this.deps.lost?.(`source '${this.name}': the Kafka consumer crashed: ${payload.error.message}`);
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_MS);
        try {
          const verdicts = await Promise.all(batch.messages.map((m) => this.deliver(batch.topic, batch.partition, m, handler)));
          // Only an unbroken run of finished messages moves the offset: the rest is fetched again.
          let last: string | undefined;
          for (let i = 0; i < verdicts.length && verdicts[i] !== 'retry-later'; i++) {
            last = (batch.messages[i] as KafkaMessage).offset;
            resolveOffset(last);
          }
          if (last !== undefined && isRunning() && !isStale()) {
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
          }
          const lag = batch.offsetLag();
          this.deps.metrics.consumerLag.set({ source: this.name }, Number(lag));
        } finally {
          clearInterval(beat);
        }
      },
    });
    this.running = true;
    log.info({ topic: c.topic, groupId: c.groupId, deadLetterTopic: c.deadLetterTopic }, 'kafka source consuming');
  }

  private async deliver(topic: string, partition: number, message: KafkaMessage, handler: DeliveryHandler): Promise<Verdict> {
    const delivery = { body: message.value ?? Buffer.alloc(0) } as Parameters<DeliveryHandler>[0];
    const verdict = await handler(delivery);
    if (verdict !== 'dead-letter') return verdict;
    try {
      await (this.producer as Producer).send({
        topic: this.config.deadLetterTopic,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              'bucketbridge-reason': delivery.deadLetter?.reason ?? 'failed',
              'bucketbridge-error': delivery.deadLetter?.message ?? '',
              'bucketbridge-source': `${topic}/${partition}/${message.offset}`,
            },
          },
        ],
      });
      return 'dead-letter';
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message, offset: message.offset }, 'could not produce to the dead-letter topic; the message stays uncommitted');
      return 'retry-later';
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  ready(): boolean {
    return this.running && !this.stopping;
  }
}
