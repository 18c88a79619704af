import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../lib/engine/keyed-lock';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedLock', () => {
  it('runs one key’s tasks one at a time in arrival order, and other keys alongside', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (key: string, id: string, ms: number) =>
      lock.run(key, async () => {
        if (key === 'a') {
          running += 1;
          most = Math.max(most, running);
        }
        log.push(`start ${id}`);
        await tick(ms);
        log.push(`end ${id}`);
        if (key === 'a') running -= 1;
      });
    await Promise.all([task('a', 'a1', 30), task('a', 'a2', 1), task('b', 'b1', 5), task('a', 'a3', 1)]);
    expect(most).toBe(1);
    expect(log.filter((l) => / a\d$/.test(l))).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1'));
    expect(lock.size).toBe(0);
  });

  it('goes on with the next task after one fails', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('k', () => Promise.reject(new Error('boom')));
    const next = lock.run('k', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    expect(lock.size).toBe(0);
  });
});
