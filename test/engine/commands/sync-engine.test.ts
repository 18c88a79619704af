import { mkdtemp, mkdir, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncEngine, runSync, type EngineOptions } from '../../../lib/engine/commands/sync-engine';
import { ConfigurationError } from '../../../lib/engine/errors';

// The engine between two local directories: the sync rules without a gateway.
let root: string;
let src: string;
let dst: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bb-engine-'));
  src = join(root, 'src');
  dst = join(root, 'dst');
  await mkdir(src);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(dir: string, key: string, body: string): Promise<void> {
  await mkdir(dirname(join(dir, key)), { recursive: true });
  await writeFile(join(dir, key), body);
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const run = (over: Partial<EngineOptions> = {}) => runSync({ command: 'sync', source: src, destination: dst, env: {}, ...over });

describe('SyncEngine between local directories', () => {
  it('copies everything, keeps mtimes, and copies nothing on a second run', async () => {
    await put(src, 'a.txt', 'a');
    await put(src, 'deep/b.txt', 'bb');
    await put(src, 'empty', '');
    const first = await run();
    expect(first).toMatchObject({ copied: 3, skipped: 0, failed: 0, bytes: 3 });
    expect(await files(dst)).toEqual(['a.txt', 'deep/b.txt', 'empty']);
    expect(await readFile(join(dst, 'deep/b.txt'), 'utf8')).toBe('bb');
    const drift = (await stat(join(dst, 'a.txt'))).mtimeMs - (await stat(join(src, 'a.txt'))).mtimeMs;
    expect(Math.abs(drift)).toBeLessThan(1);
    const second = await run();
    expect(second).toMatchObject({ copied: 0, skipped: 3, deleted: 0 });
  });

  it('re-copies a changed file and deletes extras after the copies', async () => {
    await put(src, 'keep', 'same');
    await put(src, 'change', 'old');
    await run();
    await put(src, 'change', 'new!');
    await put(dst, 'extra/x', 'x');
    const summary = await run();
    expect(summary).toMatchObject({ copied: 1, deleted: 1, skipped: 1 });
    expect(await readFile(join(dst, 'change'), 'utf8')).toBe('new!');
    expect(await files(dst)).toEqual(['change', 'keep']);
  });

  it('detects a same-size change by mtime, and by content with --checksum', async () => {
    await put(src, 'f', 'aaaa');
    await run();
    await writeFile(join(dst, 'f'), 'bbbb');
    const mtime = (await stat(join(src, 'f'))).mtime;
    await utimes(join(dst, 'f'), mtime, mtime);
    expect(await run({ command: 'check' })).toMatchObject({ differences: 0 });
    expect(await run({ command: 'check', compare: 'checksum' })).toMatchObject({ differences: 1 });
    await utimes(join(dst, 'f'), new Date(0), new Date(0));
    expect(await run({ command: 'check' })).toMatchObject({ differences: 1 });
    expect(await run({ command: 'check', compare: 'size-only' })).toMatchObject({ differences: 0 });
  });

  it('keeps every key across listing batches: unchanged ones skipped, changed and extra ones handled', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    for (const key of keys) await put(src, key, 'x');
    expect(await run({ compare: 'size-only' })).toMatchObject({ copied: 2500, failed: 0 });
    await put(src, 'k/01234', 'changed');
    await put(dst, 'k/01999-extra', 'x');
    const progress: number[] = [];
    const summary = await run({ compare: 'size-only', onProgress: (p) => progress.push(p.objectsDone) });
    expect(summary).toMatchObject({ copied: 1, skipped: 2499, deleted: 1, failed: 0 });
    expect(progress.at(-1)).toBe(2501);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('reports progress with a total that is final once the source listing is read', async () => {
    await put(src, 'a', 'aa');
    await put(src, 'b', 'bbb');
    const seen: { bytesDone: number; bytesToCopy: number; listingDone: boolean }[] = [];
    await run({ transfers: 1, checkers: 1, onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toMatchObject({ objectsDone: 2, bytesDone: 5, bytesToCopy: 5, listingDone: true });
  });

  it('copy never deletes', async () => {
    await put(src, 'a', 'a');
    await put(dst, 'extra', 'x');
    expect(await run({ command: 'copy' })).toMatchObject({ copied: 1, deleted: 0 });
    expect(await files(dst)).toEqual(['a', 'extra']);
  });

  it('check reports missing, changed and extra objects and changes nothing', async () => {
    await put(src, 'missing', 'm');
    await put(src, 'changed', 'new');
    await put(dst, 'changed', 'older');
    await put(dst, 'extra', 'e');
    expect(await run({ command: 'check' })).toMatchObject({ differences: 3, copied: 0, deleted: 0 });
    expect(await files(dst)).toEqual(['changed', 'extra']);
  });

  it('dry run counts what it would do and does nothing', async () => {
    await put(src, 'a', 'a');
    await put(dst, 'extra', 'x');
    expect(await run({ dryRun: true })).toMatchObject({ copied: 1, deleted: 1, dryRun: true });
    expect(await files(dst)).toEqual(['extra']);
  });

  it('deletes nothing and fails when extras exceed --max-delete', async () => {
    await put(src, 'a', 'a');
    await put(dst, 'x1', 'x');
    await put(dst, 'x2', 'x');
    expect(await run({ maxDelete: 1 })).toMatchObject({ copied: 1, deleted: 0, failed: 2 });
    expect(await files(dst)).toEqual(['a', 'x1', 'x2']);
    expect(await run({ maxDelete: 2 })).toMatchObject({ deleted: 2, failed: 0 });
  });

  it('copies and deletes only keys that pass the filters', async () => {
    await put(src, 'a.jpg', 'a');
    await put(src, 'b.txt', 'b');
    await put(src, 'cache/c.jpg', 'c');
    await put(dst, 'd.txt', 'kept: excluded keys are never deleted');
    const summary = await run({ include: ['**/*.jpg'], exclude: ['cache/**'] });
    expect(summary).toMatchObject({ copied: 1, deleted: 0 });
    expect(await files(dst)).toEqual(['a.jpg', 'd.txt']);
  });

  it('reports the failing object, copies the others, and skips deletes', async () => {
    await put(src, 'ok1', '1');
    await put(src, 'ok2', '2');
    await put(src, 'blocked/file', 'x');
    await put(dst, 'extra', 'x');
    await put(dst, 'blocked', 'a file where a directory is needed');
    const summary = await run();
    expect(summary).toMatchObject({ copied: 2, failed: 1, deleted: 0 });
    expect(await files(dst)).toEqual(['blocked', 'extra', 'ok1', 'ok2']);
  });

  it('treats a missing destination as empty in a dry run or a check, and creates it otherwise', async () => {
    await put(src, 'a', 'a');
    expect(await run({ dryRun: true })).toMatchObject({ copied: 1 });
    expect(await run({ command: 'check' })).toMatchObject({ differences: 1 });
    await expect(stat(dst)).rejects.toThrow(/ENOENT/);
    expect(await run()).toMatchObject({ copied: 1 });
  });

  it('fails with a ConfigurationError when the source does not exist', async () => {
    await expect(run({ source: join(root, 'nope') })).rejects.toThrow(ConfigurationError);
  });

  it('fails with a ConfigurationError naming an unknown remote', async () => {
    await expect(run({ source: 'nowhere:bucket' })).rejects.toThrow(/unknown remote 'nowhere'/);
  });

  it('stops taking objects after stop() and says it was stopped', async () => {
    for (let i = 0; i < 200; i++) await put(src, `f${String(i).padStart(3, '0')}`, 'x');
    let stopping: Promise<void> | undefined;
    const engine: SyncEngine = new SyncEngine({
      command: 'sync',
      source: src,
      destination: dst,
      env: {},
      transfers: 1,
      checkers: 1,
      onProgress: (p) => {
        if (p.objectsDone === 5) stopping = engine.stop();
      },
    });
    const summary = await engine.start();
    await stopping;
    expect(summary.stopped).toBe(true);
    expect(summary.copied).toBeLessThan(200);
    expect((await files(dst)).length).toBe(summary.copied);
  });
});
