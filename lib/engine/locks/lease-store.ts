/**
 * Where bucket locks live: Kubernetes `coordination.k8s.io/v1` Leases, read and written with
 * optimistic concurrency (a replace carries the `resourceVersion` it read; a stale one is refused).
 * `BucketLocks` only needs the three calls below, so the ServiceAccount only needs the verbs
 * `get`, `create` and `update` on leases.
 */

/** One Lease as the locks see it. */
export interface Lease {
  readonly name: string;
  /** The version read; a replace succeeds only while it is current. */
  readonly resourceVersion: string;
  /** The run holding the lock (`spec.holderIdentity`); absent when released. */
  readonly holder?: string;
  /**
   * The processes of that run holding it together (the pods of one Indexed Job), kept in the
   * annotation `MEMBERS_ANNOTATION`; the lock is released when the last one leaves.
   */
  readonly members: readonly string[];
  /** `spec.leaseDurationSeconds`: how long after `renewTime` others may take the lock over. */
  readonly durationSeconds: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
  /** `spec.leaseTransitions`: how many times the lock changed hands. */
  readonly transitions: number;
}

/** A Lease to write: everything but the version (taken from `Lease` on replace). */
export type LeaseWrite = Omit<Lease, 'resourceVersion'>;

/** The annotation holding a lease's members, comma-separated. */
export const MEMBERS_ANNOTATION = 'bucketbridge.io/members';

/** The write lost a race: the lease was created, changed or deleted since it was read. Read again. */
export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
}

export interface LeaseStore {
  /** The lease, or `undefined` when there is none. */
  get(name: string): Promise<Lease | undefined>;
  /** Creates the lease; `LeaseConflictError` when it exists already. */
  create(lease: LeaseWrite): Promise<Lease>;
  /** Replaces the lease read as `current`; `LeaseConflictError` when it changed or went away since. */
  replace(current: Lease, next: LeaseWrite): Promise<Lease>;
  /** Where the leases are, for logs (`<namespace>`). */
  readonly where: string;
}
