/**
 * The image's entry, build/engine/bucketbridge.cjs (lib/engine/launcher.ts bundled), run as a
 * process: in a directory of its own with a stand-in engine.cjs, and with the build's real one.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CODE_CACHE_FILE, ENGINE_FILE, IMAGE_NODE_FLAGS, WRITE_CODE_CACHE_ENV } from '../../lib/engine/launcher';
import { engineBuild, ensureEngineBuild } from '../support/engine-bundle';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(launcher: string, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeFlags, launcher, ...args],
      { env: { PATH: process.env.PATH ?? '', NODE_DEBUG: 'bucketbridge', ...env } },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr }),
    );
  });
}

describe('the launcher with a stand-in engine', () => {
  let dir: string;
  let launcher: string;

  beforeAll(ensureEngineBuild);

  /** A directory with the built launcher and `engine` as engine.cjs (plus `files`). */
  function install(engine: string, files: Record<string, string> = {}): void {
    dir = mkdtempSync(path.join(tmpdir(), 'bb-launcher-'));
    launcher = path.join(dir, 'bucketbridge.cjs');
    copyFileSync(engineBuild.launcher, launcher);
    writeFileSync(path.join(dir, ENGINE_FILE), engine);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  }

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs engine.cjs beside it as a CommonJS module, with the arguments and the exit code', async () => {
    install(
      [
        '#!/usr/bin/env node',
        "const sibling = require('./sibling.cjs');",
        'console.log(JSON.stringify({ args: process.argv.slice(2), sibling, file: __filename, dir: __dirname, exports: module.exports === exports }));',
        'process.exitCode = 3;',
      ].join('\n'),
      { 'sibling.cjs': "module.exports = 'from beside the engine';" },
    );
    const result = await run(launcher, ['sync', 'A:b', '--json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({
      args: ['sync', 'A:b', '--json'],
      sibling: 'from beside the engine',
      file: path.join(dir, ENGINE_FILE),
      dir,
      exports: true,
    });
    expect(result.stderr).toContain(`code cache absent: ${path.join(dir, CODE_CACHE_FILE)}`);
  });

  it('writes the code cache when asked, and the next run starts from it', async () => {
    install("function greet(name) { return 'hello ' + name; }\nconsole.log(greet('cache'));");
    const writing = await run(launcher, [], { [WRITE_CODE_CACHE_ENV]: '1' });
    expect(writing.stdout).toBe('hello cache\n');
    expect(existsSync(path.join(dir, CODE_CACHE_FILE))).toBe(true);
    const cached = await run(launcher, []);
    expect(cached.stdout).toBe('hello cache\n');
    expect(cached.stderr).toContain('code cache used');
  });

  it('compiles from the source when the code cache is not one this Node.js made', async () => {
    install("console.log('still runs');", { [CODE_CACHE_FILE]: 'not a V8 code cache' });
    const result = await run(launcher, []);
    expect(result).toMatchObject({ code: 0, stdout: 'still runs\n' });
    expect(result.stderr).toContain('code cache rejected');
  });

  it('loads the engine as Node does when source maps are on, so stack traces name the sources', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bb-launcher-'));
    const source = path.join(dir, 'fails.ts');
    writeFileSync(source, "function fail(): never {\n  throw new Error('mapped');\n}\nfail();\n");
    buildSync({ entryPoints: [source], outfile: path.join(dir, ENGINE_FILE), bundle: true, platform: 'node', format: 'cjs', minify: true, sourcemap: 'linked' });
    launcher = path.join(dir, 'bucketbridge.cjs');
    copyFileSync(engineBuild.launcher, launcher);
    const mapped = await run(launcher, [], {}, ['--enable-source-maps']);
    expect(mapped.code).toBe(1);
    expect(mapped.stderr).toContain('code cache not used: source maps are enabled');
    expect(mapped.stderr).toContain(`${source}:2`);
    const unmapped = await run(launcher, []);
    expect(unmapped.stderr).toContain('Error: mapped');
    expect(unmapped.stderr).not.toContain(source);
  });
});

describe('the built engine (npm run build:engine)', () => {
  beforeAll(ensureEngineBuild);

  it('starts from the code cache the build made with this Node.js', async () => {
    const result = await run(engineBuild.launcher, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: bucketbridge');
    expect(result.stderr).toContain(`code cache used: ${engineBuild.codeCache}`);
  });

  it('starts from that cache with the V8 flags the image gives Node.js', async () => {
    const result = await run(engineBuild.launcher, ['--help'], {}, [...IMAGE_NODE_FLAGS]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`code cache used: ${engineBuild.codeCache}`);
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(path.resolve(__dirname, '../../Dockerfile'), 'utf8');
  /** The exec-form (JSON) arguments of each `INSTRUCTION [...]` line. */
  const execForms = (instruction: string): string[][] =>
    [...dockerfile.matchAll(new RegExp(`^${instruction} (\\[.*\\])$`, 'gm'))].map((m) => JSON.parse(m[1]!) as string[]);

  it('runs the entry with IMAGE_NODE_FLAGS, and makes the code cache with them too', () => {
    const node = ['/nodejs/bin/node', ...IMAGE_NODE_FLAGS, '/app/bucketbridge.cjs'];
    expect(execForms('ENTRYPOINT')).toEqual([node]);
    expect(execForms('RUN')).toContainEqual([...node, '--help']);
  });
});
