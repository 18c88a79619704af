import { LeaseConflictError, type Lease, type LeaseStore, type LeaseWrite } from '../../lib/engine/locks/lease-store';

/**
 * Leases in memory with the API server's optimistic concurrency (a write carrying a stale version
 * is refused), for lock tests that move time by hand. Every call resolves on a later turn of the
 * event loop, as a request would.
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly where = 'memory';
  private readonly leases = new Map<string, Lease>();
  private version = 1;
  /** Every successful write, in order: `<holder or -> <name>`. */
  readonly writes: string[] = [];

  async get(name: string): Promise<Lease | undefined> {
    await turn();
    return this.leases.get(name);
  }

  async create(lease: LeaseWrite): Promise<Lease> {
    await turn();
    if (this.leases.has(lease.name)) throw new LeaseConflictError(`${lease.name} exists`);
    return this.write(lease);
  }

  async replace(current: Lease, next: LeaseWrite): Promise<Lease> {
    await turn();
    if (this.leases.get(current.name)?.resourceVersion !== current.resourceVersion) throw new LeaseConflictError(`${current.name} changed`);
    return this.write(next);
  }

  /** Sets a lease directly, as another process would have. */
  set(lease: LeaseWrite): Lease {
    return this.write(lease);
  }

  peek(name: string): Lease | undefined {
    return this.leases.get(name);
  }

  private write(lease: LeaseWrite): Lease {
    const stored = { ...lease, members: [...lease.members], resourceVersion: String(++this.version) };
    this.leases.set(lease.name, stored);
    this.writes.push(`${lease.holder ?? '-'} ${lease.name}`);
    return stored;
  }
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
