import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Semaphore, runPool } from '../../lib/engine/pool';

async function* numbers(count: number, pulled?: { n: number }): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    if (pulled) pulled.n += 1;
    yield i;
  }
}

describe('runPool', () => {
  it('runs every item with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool(numbers(50), 4, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick();
      seen.push(n);
      inFlight -= 1;
    });
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  });

  it('pulls items only as workers free up', async () => {
    const pulled = { n: 0 };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = runPool(numbers(1000, pulled), 3, () => gate);
    await tick();
    expect(pulled.n).toBe(3);
    release();
    await done;
    expect(pulled.n).toBe(1000);
  });

  it('stops pulling when told to and finishes the items in flight', async () => {
    let stop = false;
    const handled: number[] = [];
    await runPool(numbers(100), 2, async (n) => {
      handled.push(n);
      if (n === 5) stop = true;
      await tick();
    }, () => stop);
    expect(handled.length).toBeLessThan(10);
    expect(handled).toContain(5);
  });

  it('rethrows a worker error after the others finish', async () => {
    let finished = 0;
    await expect(
      runPool(numbers(3), 3, async (n) => {
        await tick();
        if (n === 0) throw new Error('boom');
        finished += 1;
      }),
    ).rejects.toThrow('boom');
    expect(finished).toBe(2);
  });
});

describe('Semaphore', () => {
  it('lets at most `size` tasks hold it at once', async () => {
    const semaphore = new Semaphore(2);
    let inside = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        semaphore.use(async () => {
          inside += 1;
          peak = Math.max(peak, inside);
          await tick();
          inside -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('releases its slot when a task fails', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(semaphore.use(async () => 'next')).resolves.toBe('next');
  });
});
