import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { LeaseConflictError, type Lease, type LeaseStore, type LeaseWrite } from './lease-store';

/** Time as the locks see it; tests inject one they move by hand. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** A holder that stops renewing for this long loses its lock to the next one waiting. */
export const LEASE_DURATION_SECONDS_DEFAULT = 300;

/** Waiting for a lock took longer than `--lock-timeout`; nothing was synced. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';

  constructor(
    readonly lease: string,
    readonly holder: string | undefined,
    readonly waitedSeconds: number,
  ) {
    super(`gave up waiting for lock ${lease} after ${waitedSeconds} s: held by ${holder ?? 'nobody'}`);
  }
}

/** A lock held by this run was taken over or could not be renewed in time: stop writing. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';

  constructor(
    readonly lease: string,
    reason: string,
  ) {
    super(`lost lock ${lease}: ${reason}`);
  }
}

export interface BucketLocksOptions {
  readonly store: LeaseStore;
  /** The run holding the locks: every pod of one Indexed Job gives the same one (the Job's name). */
  readonly holder: string;
  /** This process among the run's pods (the pod's name). @default - the holder */
  readonly member?: string;
  /** How long `acquire` may wait for all the locks, in milliseconds. */
  readonly timeoutMs: number;
  /** @default LEASE_DURATION_SECONDS_DEFAULT */
  readonly leaseDurationSeconds?: number;
  /** @default - a fifth of the lease duration */
  readonly renewIntervalMs?: number;
  /** How often a waiting run looks at the lease again. @default 5000 */
  readonly pollIntervalMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default - silent */
  readonly logger?: Logger;
  /** Called once per lock lost while running; the run must stop writing. */
  readonly onLost?: (err: LockLostError) => void;
}

/** What the locks cost a run, for its summary. */
export interface LockReport {
  /** The leases taken, in the order they were taken. */
  readonly leases: string[];
  readonly waitedSeconds: number;
  /** Leases taken over from a holder that had stopped renewing. */
  readonly takenOver: string[];
}

const WRITE_ATTEMPTS = 10;

/**
 * Exclusive locks on buckets, one Kubernetes Lease per bucket, shared by every run that touches
 * the bucket. `acquire` takes them in name order (sorted, so two runs wanting the same two buckets
 * never hold one each and wait for the other), waiting at most `timeoutMs` in all, then renews
 * them every `renewIntervalMs` until `release`. A lease whose holder has not renewed it for its
 * duration (5 minutes) is taken over. Every write carries the version it read (optimistic
 * concurrency), so two runs racing for a free lease cannot both win.
 *
 * The pods of one run (an Indexed Job's shards) share its locks: the lease names the run as holder
 * and lists the pods holding it as members; it is released when the last member leaves.
 */
export class BucketLocks {
  private readonly store: LeaseStore;
  private readonly holder: string;
  private readonly member: string;
  private readonly durationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly pollIntervalMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly held = new Map<string, number>();
  private readonly stopRenewing = new AbortController();
  private renewing: Promise<void> | undefined;

  constructor(private readonly options: BucketLocksOptions) {
    this.store = options.store;
    this.holder = options.holder;
    this.member = options.member ?? options.holder;
    this.durationSeconds = options.leaseDurationSeconds ?? LEASE_DURATION_SECONDS_DEFAULT;
    this.renewIntervalMs = options.renewIntervalMs ?? (this.durationSeconds * 1000) / 5;
    this.pollIntervalMs = options.pollIntervalMs ?? 5000;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  /** The leases held now. */
  get leases(): string[] {
    return [...this.held.keys()];
  }

  /**
   * Takes every lease in `names` (duplicates once), in sorted order, and starts renewing them.
   * Throws `LockTimeoutError` when they are not all taken within the timeout, or the signal's
   * reason when it aborts; either way no lease stays held.
   */
  async acquire(names: readonly string[], signal?: AbortSignal): Promise<LockReport> {
    const ordered = [...new Set(names)].sort();
    const began = this.clock.now();
    const deadline = began + this.options.timeoutMs;
    const takenOver: string[] = [];
    try {
      for (const name of ordered) await this.acquireOne(name, began, deadline, takenOver, signal);
    } catch (err) {
      await this.release();
      throw err;
    }
    this.renewing = this.renewLoop();
    const report = { leases: ordered, waitedSeconds: tenths(this.clock.now() - began), takenOver };
    this.logger.info({ ...report, holder: this.holder, member: this.member, where: this.store.where }, 'locks taken');
    return report;
  }

  /** Stops renewing and gives every lease back (leaves it, for a member of a run still holding it). */
  async release(): Promise<void> {
    this.stopRenewing.abort();
    await this.renewing;
    for (const name of [...this.held.keys()].reverse()) {
      try {
        await this.releaseOne(name);
      } catch (err) {
        this.logger.warn({ lease: name, err: (err as Error).message, expiresAfterSeconds: this.durationSeconds }, 'could not release lock; others take it over once it expires');
      }
      this.held.delete(name);
    }
  }

  private async acquireOne(name: string, began: number, deadline: number, takenOver: string[], signal?: AbortSignal): Promise<void> {
    let waitingLogged = false;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      const lease = await this.store.get(name);
      const fresh = { name, holder: this.holder, members: [this.member], durationSeconds: this.durationSeconds, acquireTime: new Date(now), renewTime: new Date(now) };
      try {
        if (lease === undefined) {
          await this.store.create({ ...fresh, transitions: 0 });
          break;
        }
        if (lease.holder === undefined) {
          await this.store.replace(lease, { ...fresh, transitions: lease.transitions + 1 });
          break;
        }
        if (lease.holder === this.holder) {
          const members = lease.members.includes(this.member) ? lease.members : [...lease.members, this.member];
          await this.store.replace(lease, { ...lease, members, renewTime: new Date(now) });
          break;
        }
        if (expired(lease, now)) {
          this.logger.warn({ lease: name, holder: lease.holder, renewTime: lease.renewTime, durationSeconds: lease.durationSeconds }, 'taking over a lock its holder stopped renewing');
          await this.store.replace(lease, { ...fresh, transitions: lease.transitions + 1 });
          takenOver.push(name);
          break;
        }
      } catch (err) {
        if (err instanceof LeaseConflictError) continue;
        throw err;
      }
      if (now >= deadline) throw new LockTimeoutError(name, lease.holder, tenths(now - began));
      if (!waitingLogged) {
        this.logger.info({ lease: name, holder: lease.holder, renewTime: lease.renewTime, timeoutSeconds: (deadline - began) / 1000 }, 'waiting for lock');
        waitingLogged = true;
      }
      await this.clock.sleep(Math.min(this.pollIntervalMs, deadline - now), signal);
    }
    this.held.set(name, this.clock.now());
  }

  private async renewLoop(): Promise<void> {
    const signal = this.stopRenewing.signal;
    while (!signal.aborted) {
      try {
        await this.clock.sleep(this.renewIntervalMs, signal);
      } catch {
        return;
      }
      for (const name of [...this.held.keys()]) {
        if (signal.aborted) return;
        await this.renewOne(name);
      }
    }
  }

  private async renewOne(name: string): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const now = this.clock.now();
      try {
        const lease = await this.store.get(name);
        if (lease === undefined || lease.holder !== this.holder || !lease.members.includes(this.member)) {
          this.lost(name, `now held by ${lease?.holder ?? 'nobody'}`);
          return;
        }
        await this.store.replace(lease, { ...lease, renewTime: new Date(now) });
        this.held.set(name, now);
        return;
      } catch (err) {
        if (err instanceof LeaseConflictError) continue;
        this.logger.warn({ lease: name, err: (err as Error).message }, 'could not renew lock');
        break;
      }
    }
    const renewed = this.held.get(name) ?? 0;
    if (this.clock.now() - renewed >= this.durationSeconds * 1000) this.lost(name, `not renewed for ${this.durationSeconds} s`);
  }

  private async releaseOne(name: string): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const lease = await this.store.get(name);
      if (lease === undefined || lease.holder !== this.holder) return;
      const members = lease.members.filter((m) => m !== this.member);
      const next: LeaseWrite = members.length > 0 ? { ...lease, members } : { ...lease, holder: undefined, members: [] };
      try {
        await this.store.replace(lease, next);
        this.logger.info({ lease: name, released: members.length === 0 }, members.length === 0 ? 'lock released' : 'lock left to the run\'s other members');
        return;
      } catch (err) {
        if (!(err instanceof LeaseConflictError)) throw err;
      }
    }
    throw new Error(`lease ${name} kept changing while being released`);
  }

  private lost(name: string, reason: string): void {
    this.held.delete(name);
    const err = new LockLostError(name, reason);
    this.logger.error({ lease: name, err: err.message }, 'lock lost');
    this.options.onLost?.(err);
  }
}

/** Milliseconds as seconds to a tenth. */
function tenths(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** A lease whose holder has not renewed it for its duration (measured from renewTime, else acquireTime). */
function expired(lease: Lease, now: number): boolean {
  const last = lease.renewTime ?? lease.acquireTime;
  return last === undefined || now >= last.getTime() + lease.durationSeconds * 1000;
}
