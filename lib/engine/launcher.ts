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
