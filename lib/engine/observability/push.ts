import { Gauge, Pushgateway, Registry } from 'prom-client';

/** What one run pushes: its summary (absent when it failed before one) and whether it succeeded. */
export interface RunOutcome {
  readonly succeeded: boolean;
  readonly finishedAt: Date;
  readonly seconds: number;
  readonly copied?: number;
  readonly deleted?: number;
  readonly failed?: number;
  /** Objects still different between the sides after the run (failed copies and deletes, check differences). */
  readonly outOfSync?: number;
  readonly bytes?: number;
  readonly lockWaitSeconds?: number;
}

/**
 * The last run's figures as gauges, in a registry of their own, for a batch job to push to a
 * Prometheus Pushgateway at its end (a CronJob's pod lives too briefly to be scraped). The
 * last-success timestamp is only part of a successful run's push: pushes add to the group
 * (POST), so a failed run leaves the previous success's timestamp in place, and an alert on its
 * age sees the failure.
 *
 * @see https://prometheus.io/docs/practices/pushing/
 */
export function runRegistry(outcome: RunOutcome): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, value: number | undefined): void => {
    if (value === undefined) return;
    new Gauge({ name, help, registers: [registry] }).set(value);
  };
  const finished = outcome.finishedAt.getTime() / 1000;
  gauge('bucketbridge_run_last_finish_timestamp_seconds', 'When the last run ended (Unix time).', finished);
  gauge('bucketbridge_run_last_success_timestamp_seconds', 'When the last successful run ended (Unix time).', outcome.succeeded ? finished : undefined);
  gauge('bucketbridge_run_success', '1 when the last run succeeded, 0 when it failed.', outcome.succeeded ? 1 : 0);
  gauge('bucketbridge_run_duration_seconds', 'How long the last run took.', outcome.seconds);
  gauge('bucketbridge_run_copied_objects', 'Objects the last run copied.', outcome.copied);
  gauge('bucketbridge_run_deleted_objects', 'Objects the last run deleted.', outcome.deleted);
  gauge('bucketbridge_run_failed_objects', 'Objects the last run failed to copy or delete.', outcome.failed);
  gauge('bucketbridge_run_copied_bytes', 'Bytes the last run copied.', outcome.bytes);
  gauge('bucketbridge_run_out_of_sync_objects', 'Objects left different between source and destination by the last run.', outcome.outOfSync);
  gauge('bucketbridge_run_lock_wait_seconds', 'How long the last run waited for its bucket locks.', outcome.lockWaitSeconds);
  return registry;
}

/** Adds the run's gauges to the group `job=<job>[, shard=<i>]` at the Pushgateway `url`. */
export async function pushRunMetrics(url: string, job: string, shard: number | undefined, outcome: RunOutcome): Promise<void> {
  const gateway = new Pushgateway(url, { timeout: 10_000 }, runRegistry(outcome));
  await gateway.pushAdd({ jobName: job, groupings: shard === undefined ? undefined : { shard: String(shard) } });
}
