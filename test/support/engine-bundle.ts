import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CODE_CACHE_FILE, ENGINE_FILE } from '../../lib/engine/launcher';

const repo = path.resolve(__dirname, '../..');
const dir = path.join(repo, 'build/engine');

/** What `npm run build:engine` writes: the image's entry, the bundled CLI and its code cache. */
export const engineBuild = {
  launcher: path.join(dir, 'bucketbridge.cjs'),
  engine: path.join(dir, ENGINE_FILE),
  codeCache: path.join(dir, CODE_CACHE_FILE),
};

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isCurrent(): boolean {
  try {
    const built = Math.min(...[engineBuild.launcher, engineBuild.engine, engineBuild.codeCache].map((f) => statSync(f).mtimeMs));
    return built >= Math.max(newestSourceMs(path.join(repo, 'lib')), statSync(path.join(repo, 'scripts/build-engine.mjs')).mtimeMs);
  } catch {
    return false;
  }
}

/** Runs `npm run build:engine` when build/engine/ is missing or older than lib/ or the build script. */
export async function ensureEngineBuild(): Promise<void> {
  if (!isCurrent()) await promisify(execFile)('npm', ['run', '--silent', 'build:engine'], { cwd: repo });
}
