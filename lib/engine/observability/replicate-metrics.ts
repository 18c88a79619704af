import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EngineMetrics } from './metrics';

/** How one key on one route ended; the only values of the `outcome` label. */
export type KeyOutcome = 'copied' | 'deleted' | 'in-step' | 'absent' | 'ignored-principal' | 'ignored-replica' | 'failed';

/** Why a message went to the dead-letter queue; the only values of the `reason` label. */
export type DeadLetterReason = 'poison' | 'failed';

/**
 * The replicate daemon's Prometheus metrics. Labels are source and route names from the
 * configuration (a handful), actions and outcomes: never buckets' keys.
 */
export class ReplicateMetrics {
  readonly registry: Registry;
  /** The sync engine's metrics (S3 retries, transfers), in the same registry. */
  readonly engine: EngineMetrics;
  readonly messages: Counter<'source'>;
  readonly events: Counter<'source' | 'action'>;
  readonly ignored: Counter<'source' | 'reason'>;
  readonly keys: Counter<'route' | 'outcome'>;
  readonly attempts: Counter<'route'>;
  readonly deadLettered: Counter<'source' | 'reason'>;
  readonly bytes: Counter<'route'>;
  readonly drift: Counter<'route' | 'action'>;
  readonly reconciles: Counter<'route' | 'outcome'>;
  readonly lag: Histogram<'source'>;
  readonly inFlight: Gauge;
  readonly consumerLag: Gauge<'source'>;
  readonly partitionLag: Gauge<'source' | 'partition'>;
  readonly queueMessages: Gauge<'source' | 'state'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    this.engine = new EngineMetrics(registry);
    collectDefaultMetrics({ register: registry, prefix: 'bucketbridge_' });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => new Counter({ name, help, labelNames, registers: [registry] });
    this.messages = counter('bucketbridge_replicate_messages_received_total', 'Messages received, by event source.', ['source']);
    this.events = counter('bucketbridge_replicate_events_received_total', 'S3 event records received, by source and action (created, removed, tagging).', ['source', 'action']);
    this.ignored = counter('bucketbridge_replicate_events_ignored_total', 'Records not acted on: test-event, unknown-event, replication-event, no-route.', ['source', 'reason']);
    this.keys = counter('bucketbridge_replicate_keys_total', 'Keys reconciled by an event, by route and outcome (copied, deleted, in-step, absent, ignored-principal, ignored-replica, failed).', ['route', 'outcome']);
    this.attempts = counter('bucketbridge_replicate_retries_total', 'Event reconciliations retried after a failure, by route.', ['route']);
    this.deadLettered = counter('bucketbridge_replicate_dead_lettered_total', 'Messages dead-lettered (or answered 5xx/4xx over HTTP), by source and reason (poison, failed).', ['source', 'reason']);
    this.bytes = counter('bucketbridge_replicate_bytes_total', 'Bytes copied by event reconciliation, by route.', ['route']);
    this.drift = counter('bucketbridge_replicate_reconcile_drift_total', 'Objects the anti-entropy pass found out of step and repaired, by route and action (copied, deleted).', ['route', 'action']);
    this.reconciles = counter('bucketbridge_replicate_reconcile_runs_total', 'Anti-entropy passes, by route and outcome (ok, failed).', ['route', 'outcome']);
    this.lag = new Histogram({
      name: 'bucketbridge_replicate_event_lag_seconds',
      help: "From the event's eventTime to the end of its reconciliation, by source.",
      labelNames: ['source'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    });
    this.inFlight = new Gauge({ name: 'bucketbridge_replicate_keys_in_flight', help: 'Keys being reconciled now.', registers: [registry] });
    this.consumerLag = new Gauge({
      name: 'bucketbridge_replicate_consumer_lag_messages',
      help: "Messages waiting at the source: AMQP queue depth, the Kafka group's lag summed over the topic's partitions, SQS ApproximateNumberOfMessages.",
      labelNames: ['source'],
      registers: [registry],
    });
    this.partitionLag = new Gauge({
      name: 'bucketbridge_replicate_kafka_partition_lag_messages',
      help: "Kafka: the partition's high watermark minus the group's committed offset, by source and partition.",
      labelNames: ['source', 'partition'],
      registers: [registry],
    });
    this.queueMessages = new Gauge({
      name: 'bucketbridge_replicate_sqs_messages',
      help: 'SQS: ApproximateNumberOfMessages (state=visible) and ApproximateNumberOfMessagesNotVisible (state=not-visible), by source.',
      labelNames: ['source', 'state'],
      registers: [registry],
    });
  }
}
