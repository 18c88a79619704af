import { describe, expect, it } from 'vitest';
import { BucketLocks, LockTimeoutError, type LockLostError } from '../../../lib/engine/locks/bucket-locks';
import { ManualClock, settle } from '../../support/manual-clock';
import { MemoryLeaseStore } from '../../support/memory-lease-store';

const MINUTE = 60_000;

function locks(store: MemoryLeaseStore, clock: ManualClock, holder: string, extra: { member?: string; timeoutMs?: number; onLost?: (err: LockLostError) => void } = {}) {
  return new BucketLocks({ store, clock, holder, member: extra.member, timeoutMs: extra.timeoutMs ?? 60 * MINUTE, pollIntervalMs: 5000, onLost: extra.onLost });
}

/** A promise's state without waiting for it. */
function track<T>(promise: Promise<T>): { done: () => boolean; error: () => unknown } {
  let done = false;
  let error: unknown;
  promise.then(
    () => (done = true),
    (err: unknown) => {
      done = true;
      error = err;
    },
  );
  return { done: () => done, error: () => error };
}

describe('BucketLocks', () => {
  it('makes a second holder wait for the first and take the lock once it is released', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const a = locks(store, clock, 'policy-a');
    const b = locks(store, clock, 'policy-b');
    await a.acquire(['bucket-x']);
    const waiting = b.acquire(['bucket-x']);
    const state = track(waiting);
    await clock.advance(10 * MINUTE);
    expect(state.done()).toBe(false);
    expect(store.peek('bucket-x')?.holder).toBe('policy-a');
    await a.release();
    expect(store.peek('bucket-x')?.holder).toBeUndefined();
    await clock.advance(5000);
    const report = await waiting;
    expect(store.peek('bucket-x')?.holder).toBe('policy-b');
    expect(report.waitedSeconds).toBeGreaterThanOrEqual(600);
    expect(report.takenOver).toEqual([]);
    expect(store.peek('bucket-x')?.transitions).toBe(1);
    await b.release();
  });

  it('keeps a live holder\'s lock past 5 minutes by renewing it, and the waiter gives up at its timeout holding nothing', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const a = locks(store, clock, 'policy-a');
    const b = locks(store, clock, 'policy-b', { timeoutMs: 20 * MINUTE });
    await a.acquire(['bucket-a', 'bucket-x']);
    const state = track(b.acquire(['bucket-x', 'bucket-z']));
    await clock.advance(19 * MINUTE);
    expect(state.done()).toBe(false);
    await clock.advance(MINUTE + 5000);
    expect(state.error()).toBeInstanceOf(LockTimeoutError);
    expect((state.error() as LockTimeoutError).holder).toBe('policy-a');
    expect((state.error() as Error).message).toContain('gave up waiting for lock bucket-x after 1200 s: held by policy-a');
    expect(store.peek('bucket-x')?.holder).toBe('policy-a');
    expect(store.peek('bucket-z')).toBeUndefined();
    expect(b.leases).toEqual([]);
    await a.release();
  });

  it('takes over a lease whose holder stopped renewing 5 minutes ago, and not a minute earlier', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const start = clock.now();
    store.set({ name: 'bucket-x', holder: 'crashed', members: ['crashed'], durationSeconds: 300, acquireTime: new Date(start), renewTime: new Date(start), transitions: 3 });
    const b = locks(store, clock, 'policy-b');
    const acquiring = b.acquire(['bucket-x']);
    const state = track(acquiring);
    await clock.advance(4 * MINUTE);
    expect(state.done()).toBe(false);
    expect(store.peek('bucket-x')?.holder).toBe('crashed');
    await clock.advance(MINUTE);
    const report = await acquiring;
    expect(report.takenOver).toEqual(['bucket-x']);
    expect(store.peek('bucket-x')).toMatchObject({ holder: 'policy-b', members: ['policy-b'], transitions: 4 });
    expect(store.peek('bucket-x')?.acquireTime?.getTime()).toBe(start + 5 * MINUTE);
    await b.release();
  });

  it('takes locks in sorted order, so two runs wanting the same two buckets the other way round both finish', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const a = locks(store, clock, 'policy-a');
    const b = locks(store, clock, 'policy-b');
    const first = a.acquire(['bucket-y', 'bucket-x']);
    const second = b.acquire(['bucket-x', 'bucket-y']);
    const stateA = track(first);
    const stateB = track(second);
    await settle();
    // One of them holds both; the other holds neither while it waits (no hold-and-wait deadlock).
    const [winner, loser, winnerName, loserState] = stateA.done() ? [a, b, 'policy-a', stateB] : [b, a, 'policy-b', stateA];
    expect(loserState.done()).toBe(false);
    expect(store.peek('bucket-x')?.holder).toBe(winnerName);
    expect(store.peek('bucket-y')?.holder).toBe(winnerName);
    expect(loser.leases).toEqual([]);
    await winner.release();
    await clock.advance(5000);
    expect(loserState.done()).toBe(true);
    expect(loserState.error()).toBeUndefined();
    expect(loser.leases).toEqual(['bucket-x', 'bucket-y']);
    const reportA = await first;
    expect(reportA.leases).toEqual(['bucket-x', 'bucket-y']);
    await loser.release();
    // Each run wrote bucket-x before bucket-y.
    for (const holder of ['policy-a', 'policy-b']) {
      const order = store.writes.filter((w) => w.startsWith(`${holder} `)).map((w) => w.split(' ')[1]);
      expect(order.slice(0, 2)).toEqual(['bucket-x', 'bucket-y']);
    }
  });

  it('takes one lease for a bucket named on both sides', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const a = locks(store, clock, 'policy-a');
    const report = await a.acquire(['bucket-x', 'bucket-x']);
    expect(report.leases).toEqual(['bucket-x']);
    await a.release();
  });

  it('reports a lock lost when another holder took it over, so the run can stop', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const lost: LockLostError[] = [];
    const a = locks(store, clock, 'policy-a', { onLost: (err) => lost.push(err) });
    await a.acquire(['bucket-x']);
    await clock.advance(MINUTE);
    expect(lost).toEqual([]);
    const current = store.peek('bucket-x');
    if (current === undefined) throw new Error('no lease');
    store.set({ ...current, holder: 'intruder', members: ['intruder'] });
    await clock.advance(MINUTE);
    expect(lost.map((e) => e.message)).toEqual(['lost lock bucket-x: now held by intruder']);
    expect(a.leases).toEqual([]);
    await a.release();
    expect(store.peek('bucket-x')?.holder).toBe('intruder');
  });

  it('lets the pods of one run share its locks and frees them when the last pod leaves', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const shard0 = locks(store, clock, 'sync-28734', { member: 'sync-28734-0-abcde' });
    const shard1 = locks(store, clock, 'sync-28734', { member: 'sync-28734-1-fghij' });
    const other = locks(store, clock, 'policy-b');
    await shard0.acquire(['bucket-x']);
    await shard1.acquire(['bucket-x']);
    expect(store.peek('bucket-x')?.members).toEqual(['sync-28734-0-abcde', 'sync-28734-1-fghij']);
    const state = track(other.acquire(['bucket-x']));
    await shard0.release();
    await clock.advance(30_000);
    expect(store.peek('bucket-x')).toMatchObject({ holder: 'sync-28734', members: ['sync-28734-1-fghij'] });
    expect(state.done()).toBe(false);
    await shard1.release();
    await clock.advance(5000);
    expect(state.done()).toBe(true);
    expect(store.peek('bucket-x')?.holder).toBe('policy-b');
    await other.release();
  });

  it('stops waiting when its signal aborts, holding nothing', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock();
    const a = locks(store, clock, 'policy-a');
    const b = locks(store, clock, 'policy-b');
    await a.acquire(['bucket-x']);
    const abort = new AbortController();
    const state = track(b.acquire(['bucket-a', 'bucket-x'], abort.signal));
    await clock.advance(MINUTE);
    expect(store.peek('bucket-a')?.holder).toBe('policy-b');
    abort.abort(new Error('SIGTERM'));
    await settle();
    expect((state.error() as Error).message).toBe('SIGTERM');
    expect(store.peek('bucket-a')?.holder).toBeUndefined();
    await a.release();
  });
});
