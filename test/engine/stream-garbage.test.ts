import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pipeline } from 'node:stream/promises';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { collectStreamGarbage, MAGLEV_BY_DEFAULT, meterStream, noteStreamed } from '../../lib/engine/stream-garbage';
import { runNode } from './run-cli';

const KIB = 1024;
const MIB = 1024 * KIB;

/** `total` bytes in fresh 64 KiB buffers, as socket reads deliver them; the peak of live array buffer memory. */
async function stream(total: number, metered: boolean): Promise<{ bytes: number; peak: number }> {
  let left = total;
  const body = new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      left -= 64 * KIB;
      this.push(Buffer.allocUnsafeSlow(64 * KIB).fill(1));
    },
  });
  let bytes = 0;
  let peak = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes % MIB === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      setImmediate(done);
    },
  });
  if (metered) meterStream(body);
  await pipeline(body, sink);
  return { bytes, peak };
}

describe('meterStream', () => {
  it('passes every byte through, and keeps the garbage of a 256 MiB stream under a few MiB', async () => {
    collectStreamGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const { bytes, peak } = await stream(256 * MIB, true);
    expect(bytes).toBe(256 * MIB);
    // Unmetered, V8 lets this reach 16-64 MiB before it collects (see stream-garbage.ts).
    expect(peak - before).toBeLessThan(8 * MIB);
  });
});

/** A scavenge of V8's young generation, as V8 runs on its own while buffers are in flight. */
function scavenge(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  setFlagsFromString('--no-expose-gc');
  gc({ type: 'minor' });
}

/** What a test keeps alive through collections until it lets go. */
const pinned = new Set<unknown>();

/** Makes what `make` returns, keeps it through two scavenges (so it is promoted), then drops it. */
function promoteThenDrop(make: () => unknown[]): void {
  const held = make();
  pinned.add(held);
  scavenge();
  scavenge();
  pinned.delete(held);
}

describe('noteStreamed', () => {
  it('collects buffers that died after being promoted, once external memory has grown after a scavenge', () => {
    collectStreamGarbage();
    const before = process.memoryUsage().arrayBuffers;
    // Buffers still in flight through two scavenges are promoted to the old generation, where a
    // scavenge no longer frees them (the parts of a multipart copy in flight).
    promoteThenDrop(() => Array.from({ length: 384 }, () => Buffer.allocUnsafeSlow(64 * KIB)));
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThan(20 * MIB);
    noteStreamed(2 * MIB);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * MIB);
  });

  it('counts from what the last full collection left, so buffers held in flight do not make every scavenge a full one', async () => {
    collectStreamGarbage();
    const full: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { detail } = entry as { detail?: { kind?: number } };
        if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full.push(entry.startTime);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    // 24 MiB live for the whole stretch, as many parts in flight would hold.
    const inFlight = Array.from({ length: 384 }, () => Buffer.allocUnsafeSlow(64 * KIB));
    pinned.add(inFlight);
    for (let i = 0; i < 10; i++) noteStreamed(2 * MIB);
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    pinned.delete(inFlight);
    expect(full.length).toBeGreaterThanOrEqual(1);
    expect(full.length).toBeLessThanOrEqual(2);
  });

  it('collects objects on the V8 heap that died after being promoted, once the heap has grown after a scavenge', () => {
    collectStreamGarbage();
    // The entries of listing pages still being merged when a scavenge runs are promoted too.
    promoteThenDrop(() => Array.from({ length: 400_000 }, (_, n) => ({ n, key: `d${n % 100}/object-${n}` })));
    const before = getHeapStatistics().used_heap_size;
    noteStreamed(2 * MIB);
    expect(getHeapStatistics().used_heap_size).toBeLessThan(before - 16 * MIB);
  });
});

/**
 * Runs, in a process of its own (V8's compilers and collections are process-wide), a child that
 * opts in, passes 2 MiB through as a metered body or as a listing's counted bytes, and then runs
 * `after`, a function of the child's (`setUp` comes first, at the child's top level).
 */
async function runChild(via: 'body' | 'listing', setUp: string[], after: string[], nodeFlags: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bb-collect-'));
  try {
    const entry = path.join(dir, 'child.cjs');
    const contents = [
      "import { Readable } from 'node:stream';",
      "import { collectStreamGarbage, meterStream, noteStreamed } from './stream-garbage';",
      ...setUp,
      'const after = (): void => {',
      ...after,
      '};',
      'collectStreamGarbage();',
      via === 'body'
        ? 'const body = Readable.from([Buffer.alloc(2 * 1024 * 1024)]); meterStream(body); body.on("end", after).resume();'
        : 'noteStreamed(2 * 1024 * 1024); after();',
    ].join('\n');
    const resolveDir = path.resolve(__dirname, '../../lib/engine');
    buildSync({ stdin: { contents, resolveDir, loader: 'ts' }, outfile: entry, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
    const { code, stdout } = await runNode([...nodeFlags, entry]);
    expect(code).toBe(0);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The optimising compilers that `--trace-opt` names as targets after the first collection. */
async function compilersAfterFirstCollection(via: 'body' | 'listing'): Promise<string[]> {
  const stdout = await runChild(
    via,
    ['const hot = (n: number): number => { let x = 0; for (let i = 0; i < n; i++) x = (x + i * 31) % 1000003; return x; };'],
    ["  process.stdout.write('collected\\n');", '  let sum = 0;', '  for (let i = 0; i < 2000; i++) sum += hot(10000);', '  process.stdout.write(`${sum}\\n`);'],
    ['--trace-opt'],
  );
  const after = stdout.slice(stdout.indexOf('collected\n'));
  expect(after).toMatch(/^collected\n/);
  return [...new Set([...after.matchAll(/target (TURBOFAN|MAGLEV)/g)].map((m) => m[1]!))].sort();
}

/** The kinds of the collections V8 reported in the child, its own included, up to 100 ms after the 2 MiB. */
async function collectionKinds(via: 'body' | 'listing'): Promise<string[]> {
  const stdout = await runChild(
    via,
    [
      "import { constants, PerformanceObserver } from 'node:perf_hooks';",
      'const kinds: string[] = [];',
      'const observer = new PerformanceObserver((list) => {',
      '  for (const entry of list.getEntries()) {',
      '    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;',
      "    kinds.push(kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : `other ${kind}`);",
      '  }',
      '});',
      "observer.observe({ entryTypes: ['gc'] });",
    ],
    ['  setTimeout(() => { observer.disconnect(); process.stdout.write(JSON.stringify(kinds)); }, 100);'],
    [],
  );
  return JSON.parse(stdout) as string[];
}

describe('the first collection', () => {
  it('after a body has been streamed, is a full one: start-up left garbage in the old generation that scavenges never free', async () => {
    expect(await collectionKinds('body')).toContain('major');
  });

  it('for listings alone, is a scavenge', async () => {
    const kinds = await collectionKinds('listing');
    expect(kinds).toContain('minor');
    expect(kinds).not.toContain('major');
  });

  it('turns TurboFan off once a body has been streamed, where V8 runs Maglev by default (which still optimises hot code)', async () => {
    const compilers = await compilersAfterFirstCollection('body');
    if (MAGLEV_BY_DEFAULT) expect(compilers).toEqual(['MAGLEV']);
    else expect(compilers).toContain('TURBOFAN');
  });

  it('keeps TurboFan for listings alone', async () => {
    expect(await compilersAfterFirstCollection('listing')).toContain('TURBOFAN');
  });
});
