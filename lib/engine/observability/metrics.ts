import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes an object can have in a run; the only values of the `outcome` label. */
export type Outcome = 'copied' | 'skipped' | 'deleted' | 'failed' | 'differs';

/** How an object's bytes moved; the only values of the `method` label. */
export type TransferMethod = 'server-copy' | 'multipart-server-copy' | 'put' | 'multipart' | 'download' | 'local';

/**
 * The engine's Prometheus metrics, in a registry of their own. Labels are low-cardinality by
 * construction: command, outcome, method and S3 operation names, never keys or buckets.
 */
export class EngineMetrics {
  readonly registry: Registry;
  readonly objects: Counter<'command' | 'outcome'>;
  readonly bytes: Counter<'command' | 'method'>;
  readonly retries: Counter<'operation'>;
  readonly transferSeconds: Histogram<'method'>;
  readonly inFlight: Gauge;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    this.objects = new Counter({
      name: 'bucketbridge_objects_total',
      help: 'Objects handled, by command and outcome.',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'bucketbridge_bytes_total',
      help: 'Bytes copied, by command and transfer method.',
      labelNames: ['command', 'method'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'bucketbridge_retries_total',
      help: 'Requests retried after a transient error, by S3 operation.',
      labelNames: ['operation'],
      registers: [registry],
    });
    this.transferSeconds = new Histogram({
      name: 'bucketbridge_transfer_seconds',
      help: 'Time to copy one object, by transfer method.',
      labelNames: ['method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'bucketbridge_transfers_in_flight',
      help: 'Objects being copied now.',
      registers: [registry],
    });
  }
}
