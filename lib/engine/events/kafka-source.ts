import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer, type SASLOptions } from 'kafkajs';
import type { KafkaSourceConfig } from '../../model';
import { EventSourceError, type Verdict, type DeliveryHandler, type EventSource, type SourceDeps } from './source';

/** Heartbeats while a batch is worked on, well inside the session timeout (30 s). */
const HEARTBEAT_MS = 3_000;

/** A read of the group's offsets still unanswered after this long marks the source not ready. */
const LAG_READ_TIMEOUT_MS = 5_000;

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
  private admin: Admin | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private readingLag: Promise<void> | undefined;
  private lagReadStarted = 0;
  private running = false;
  private stopping = false;
  /** The consumer has not crashed since it last fetched or joined the group. */
  private consuming = true;
  /** The last read of the group's offsets reached the brokers. */
  private reachable = true;

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
      // No retries of its own: a failed read of the offsets says the brokers are out of reach, now.
      this.admin = kafka.admin({ retry: { retries: 0 } });
      await this.admin.connect();
      await this.admin.createTopics({ topics: [{ topic: c.deadLetterTopic }], waitForLeaders: true });
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
      this.consuming = false;
      log.warn({ err: payload.error.message, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart && !this.stopping) this.deps.lost?.(`source '${this.name}': the Kafka consumer crashed: ${payload.error.message}`);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => (this.consuming = true));
    consumer.on(consumer.events.FETCH, () => (this.consuming = true));
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
          if (last !== undefined) {
            const lag = BigInt(batch.highWatermark) - (BigInt(last) + 1n);
            this.deps.metrics.partitionLag.set({ source: this.name, partition: String(batch.partition) }, Number(lag > 0n ? lag : 0n));
          }
        } finally {
          clearInterval(beat);
        }
      },
    });
    this.running = true;
    this.lagTimer = setInterval(() => {
      if (this.readingLag === undefined) {
        this.lagReadStarted = Date.now();
        this.readingLag = this.readLag().finally(() => (this.readingLag = undefined));
      } else if (Date.now() - this.lagReadStarted > LAG_READ_TIMEOUT_MS) {
        // A broker shutting down may hold the connection open without answering until kafkajs' request timeout (30 s).
        this.unreachable(`no answer to the offsets read in ${LAG_READ_TIMEOUT_MS / 1000} s`);
      }
    }, c.lagIntervalSeconds * 1000);
    this.lagTimer.unref();
    log.info({ topic: c.topic, groupId: c.groupId, deadLetterTopic: c.deadLetterTopic }, 'kafka source consuming');
  }

  /**
   * The group's lag on every partition of the topic: the high watermark minus the committed
   * offset (or, before the group commits, minus where it starts: the low watermark with
   * `fromBeginning`, else the high one). The same for every replica of the group.
   */
  private async readLag(): Promise<void> {
    const c = this.config;
    const admin = this.admin as Admin;
    try {
      const [ends, groups] = await Promise.all([admin.fetchTopicOffsets(c.topic), admin.fetchOffsets({ groupId: c.groupId, topics: [c.topic] })]);
      const committed = new Map((groups.find((g) => g.topic === c.topic)?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      let total = 0n;
      for (const p of ends) {
        const high = BigInt(p.high);
        const at = committed.get(p.partition) ?? -1n;
        const from = at >= 0n ? at : c.fromBeginning ? BigInt(p.low) : high;
        const lag = high > from ? high - from : 0n;
        this.deps.metrics.partitionLag.set({ source: this.name, partition: String(p.partition) }, Number(lag));
        total += lag;
      }
      this.deps.metrics.consumerLag.set({ source: this.name }, Number(total));
      if (!this.reachable) this.deps.logger.info('kafka brokers reachable again');
      this.reachable = true;
    } catch (err) {
      this.unreachable((err as Error).message);
    }
  }

  private unreachable(why: string): void {
    if (this.reachable && !this.stopping) this.deps.logger.warn({ err: why }, 'cannot read the kafka group offsets: source not ready');
    this.reachable = false;
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
    if (this.lagTimer !== undefined) clearInterval(this.lagTimer);
    await this.readingLag;
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** Consuming, not crashed since, and the brokers answered the last read of the offsets. */
  ready(): boolean {
    return this.running && !this.stopping && this.consuming && this.reachable;
  }
}
