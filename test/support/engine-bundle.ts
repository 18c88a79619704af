import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const repo = path.resolve(__dirname, '../..');
const dir = path.join(repo, 'build/engine');

/** What `npm run build:engine` writes: the bundled CLI the image runs. */
export const engineBuild = {
  entry: path.join(dir, 'bucketbridge.cjs'),
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
    const built = statSync(engineBuild.entry).mtimeMs;
    return built >= Math.max(newestSourceMs(path.join(repo, 'lib')), statSync(path.join(repo, 'scripts/build-engine.mjs')).mtimeMs);
  } catch {
    return false;
  }
}

/** Runs `npm run build:engine` when build/engine/ is missing or older than lib/ or the build script. */
export async function ensureEngineBuild(): Promise<void> {
  if (!isCurrent()) await promisify(execFile)('npm', ['run', '--silent', 'build:engine'], { cwd: repo });
}
