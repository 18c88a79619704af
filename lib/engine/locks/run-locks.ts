import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { bucketLockNames } from '../../model';
import { BucketLocks, LEASE_DURATION_SECONDS_DEFAULT, type LockLostError, type LockReport } from './bucket-locks';
import { KubernetesLeaseStore, connectToKubernetes } from './kubernetes-lease-store';

/** The command line's lock flags (`sync` and `copy`). */
export interface LockFlags {
  /** Namespace of the bucket Leases; locking is on only when it is given. */
  readonly lockNamespace?: string;
  /** Seconds to wait for the locks before giving up. */
  readonly lockTimeout: number;
  /** The run holding the locks (an Indexed Job's pods give the Job's name). @default - the host name */
  readonly holder?: string;
  /** This process among the run's pods. @default - the host name (the pod's name) */
  readonly lockMember?: string;
  /** @default - `$KUBECONFIG`, else the pod's in-cluster configuration */
  readonly kubeconfig?: string;
}

export interface RunLocks {
  readonly report: LockReport;
  release(): Promise<void>;
}

/**
 * Takes the locks of the buckets behind `locations` for this run, when `--lock-namespace` is
 * given. Resolves once they are all held (renewed from then on), or rejects with
 * `LockTimeoutError`, or the signal's reason.
 */
export async function lockBuckets(
  flags: LockFlags,
  locations: readonly string[],
  options: { logger: Logger; signal: AbortSignal; onLost: (err: LockLostError) => void; env?: Readonly<Record<string, string | undefined>> },
): Promise<RunLocks | undefined> {
  if (flags.lockNamespace === undefined) return undefined;
  const env = options.env ?? process.env;
  const names = bucketLockNames(locations, env);
  const kubeconfig = flags.kubeconfig ?? (env.KUBECONFIG === '' ? undefined : env.KUBECONFIG);
  const connection = connectToKubernetes(kubeconfig);
  // An empty id (a downward-API label the cluster does not set, e.g. batch.kubernetes.io/job-name
  // before Kubernetes 1.27) would read as a free lease to others: fall back to the host name.
  const member = flags.lockMember || hostname();
  const locks = new BucketLocks({
    store: new KubernetesLeaseStore(connection.config, flags.lockNamespace === '' ? connection.namespace : flags.lockNamespace),
    holder: flags.holder || member,
    member,
    timeoutMs: flags.lockTimeout * 1000,
    leaseDurationSeconds: LEASE_DURATION_SECONDS_DEFAULT,
    logger: options.logger,
    onLost: options.onLost,
  });
  const report = await locks.acquire(names, options.signal);
  return { report, release: () => locks.release() };
}
