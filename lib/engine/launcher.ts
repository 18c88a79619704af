import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { debuglog } from 'node:util';
import { Script } from 'node:vm';

/** The bundled CLI, beside the launcher (npm run build:engine). */
export const ENGINE_FILE = 'engine.cjs';
/** V8's code cache for it, made by the Node.js that runs it. */
export const CODE_CACHE_FILE = 'engine.cjs.v8-cache';
/** Set to 1, the run writes the code cache when it exits (the build and the image do, with --help). */
export const WRITE_CODE_CACHE_ENV = 'BUCKETBRIDGE_WRITE_CODE_CACHE';

/**
 * The V8 flags the image's entrypoint gives Node.js (Dockerfile), and so the benchmark too. V8 reads
 * them when it starts, so they are on the command line, not set from here.
 *
 * `--no-concurrent-recompilation`: the optimising compiler runs on the main thread instead of a
 * helper thread. A helper thread's compilations leave its own malloc arena grown by a few MiB, which
 * glibc keeps, while on the main thread the same memory is reused by the buffers of later reads.
 * Measured on the lab (Node 20, hand runs): a 2 GiB object streamed peaks at 59-60 MiB against
 * 63-66 MiB, 10,000 server-side copies at 97 against 100-110 MiB, a no-op re-sync of 100,000 at
 * 86-88 against 89-92 MiB, with the same wall and CPU times (the compilations are the same work,
 * and on this 2-core machine they competed for a core with the gateway either way); on Node 24,
 * 73-74 against 77 MiB for 2 GiB. The flag does not enter V8's check of the code cache.
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ['--no-concurrent-recompilation'];

const debug = debuglog('bucketbridge');

/**
 * The runtime image's entry (build/engine/bucketbridge.cjs): runs the bundled CLI beside it from
 * V8's code cache, so that a run does not spend its start compiling the bundle.
 *
 * Node 20 has no compile cache of its own (`module.enableCompileCache` came in Node 22) and its
 * start-up snapshots cannot hold `node:http`. Measured on the lab: `--help` 211 ms against 151 ms
 * with the cache (bare `node -e 0`: 116 ms); a sync's first request 94 ms after Node is ready
 * against 44 ms (medians of 8), which decides server-side copies of a few large objects (the whole
 * run is half a second).
 *
 * The cache holds the code V8 compiled for the bundle, written after a run (`--help` at build time,
 * which initialises every module). V8 checks it against its own version, its flags and the
 * source, and compiles from the source when it does not match: a stale or foreign cache only costs
 * the time it would have saved. Node maps stack traces only for modules it loads itself, so when
 * source maps are on (`--enable-source-maps`) the bundle is `require`d as usual, without the cache.
 */
export function launch(dir: string): void {
  const file = join(dir, ENGINE_FILE);
  const require = createRequire(file);
  if (process.sourceMapsEnabled) {
    debug('code cache not used: source maps are enabled');
    require(file);
    return;
  }
  const cacheFile = join(dir, CODE_CACHE_FILE);
  const cachedData = readCache(cacheFile);
  // The wrapper Node's own CommonJS loader puts around a module; a hashbang is a comment only on
  // a script's first line, so it goes.
  const body = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${body}\n})`, { filename: file, cachedData });
  debug('code cache %s: %s', cachedData === undefined ? 'absent' : script.cachedDataRejected === false ? 'used' : 'rejected', cacheFile);
  if (process.env[WRITE_CODE_CACHE_ENV] === '1') {
    // After the run, so the cache also holds the functions it compiled lazily.
    process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  }
  const module = { exports: {}, filename: file, id: file };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, dir);
}

function readCache(cacheFile: string): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
