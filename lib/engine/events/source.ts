import type { Logger } from 'pino';
import type { ReplicateMetrics } from '../observability/replicate-metrics';

/**
 * What an event source hands the replicator, and what it gets back. Each source turns the verdict
 * into its broker's acknowledgement: only `done` and `dead-letter` ever acknowledge a message.
 */

/**
 * - `done`: every record was applied (or deliberately ignored): acknowledge.
 * - `dead-letter`: poison, or retries exhausted: move to the dead-letter queue, then acknowledge.
 * - `retry-later`: the engine is stopping mid-way: leave the message for redelivery.
 */
export type Verdict = 'done' | 'dead-letter' | 'retry-later';

export interface Delivery {
  /** The message body: an S3 event notification (possibly SNS-wrapped). */
  readonly body: Buffer;
  /** Set by the handler on a `dead-letter` verdict: poison (unparseable) or failed (retries exhausted). */
  deadLetter?: { readonly reason: 'poison' | 'failed'; readonly message: string };
}

export type DeliveryHandler = (delivery: Delivery) => Promise<Verdict>;

export interface EventSource {
  readonly name: string;
  /** Connects and starts delivering to `handler`; resolves once consuming has begun. */
  start(handler: DeliveryHandler): Promise<void>;
  /**
   * Stops taking new messages and waits until the deliveries in flight have been answered (their
   * handlers resolve once the replicator drains or aborts them), then disconnects.
   */
  stop(): Promise<void>;
  /** Connected and consuming. */
  ready(): boolean;
}

/** What every source is given. */
export interface SourceDeps {
  readonly logger: Logger;
  readonly metrics: ReplicateMetrics;
  /**
   * Called when the source has lost its broker for good (a closed AMQP connection, a Kafka
   * consumer that will not restart): the process should drain and exit non-zero, so that its
   * supervisor restarts it. @default - only logged
   */
  readonly lost?: (reason: string) => void;
  /** Where a source's credential variables (`usernameEnv`, `sasl.passwordEnv`, ...) are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A broker or listener of a source could not be reached or set up. */
export class EventSourceError extends Error {
  override readonly name = 'EventSourceError';
}
