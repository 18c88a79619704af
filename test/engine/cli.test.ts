import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, runCli } from './run-cli';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bb-cli-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src', 'a'), 'a');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const remote = (name: string, over: Record<string, string> = {}): Record<string, string> => ({
  [`RCLONE_CONFIG_${name}_TYPE`]: 's3',
  [`RCLONE_CONFIG_${name}_PROVIDER`]: 'Ceph',
  // Port 9 (discard) on loopback: nothing listens there.
  [`RCLONE_CONFIG_${name}_ENDPOINT`]: 'http://127.0.0.1:9',
  [`RCLONE_CONFIG_${name}_ACCESS_KEY_ID`]: 'AKIDEXAMPLE',
  [`RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY`]: 'secret-that-must-not-leak',
  ...over,
});

describe('bucketbridge CLI', () => {
  it('exits 2 with the help when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toContain('Usage: bucketbridge');
  });

  it('exits 2 naming an unknown command, flag or bad number', async () => {
    expect(errorLine(await runCli(['frob', 'a', 'b']))).toContain("unknown command 'frob'");
    const flag = await runCli(['sync', 'a', 'b', '--frob']);
    expect(flag.code).toBe(2);
    expect(errorLine(flag)).toContain("unknown option '--frob'");
    const number = await runCli(['sync', 'a', 'b', '--transfers', 'x']);
    expect(number.code).toBe(2);
    expect(errorLine(number)).toContain("'--transfers' must be an integer >= 1, got x");
    const timeout = await runCli(['sync', 'a', 'b', '--header-timeout', '0']);
    expect(timeout.code).toBe(2);
    expect(errorLine(timeout)).toContain("'--header-timeout' must be a number of seconds > 0, got 0");
  });

  it('exits 2 when --checksum and --size-only are both given', async () => {
    const result = await runCli(['check', 'a', 'b', '--checksum', '--size-only']);
    expect(result.code).toBe(2);
  });

  it('exits 2 naming an unknown remote', async () => {
    const result = await runCli(['sync', join(dir, 'src'), 'nowhere:bucket']);
    expect(result.code).toBe(2);
    expect(errorLine(result)).toBe("bucketbridge: unknown remote 'nowhere': set RCLONE_CONFIG_NOWHERE_TYPE=s3 (and its endpoint and keys)");
  });

  it('exits 2 naming the missing credential variable', async () => {
    const result = await runCli(['sync', join(dir, 'src'), 'dest:bucket'], remote('DEST', { RCLONE_CONFIG_DEST_SECRET_ACCESS_KEY: '' }));
    expect(result.code).toBe(2);
    expect(errorLine(result)).toContain('missing credential variable RCLONE_CONFIG_DEST_SECRET_ACCESS_KEY');
  });

  it('exits 2 naming an unreachable endpoint, without leaking the secret', async () => {
    const result = await runCli(['sync', join(dir, 'src'), 'dest:bucket', '--log-level', 'trace'], remote('DEST'));
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(/^bucketbridge: cannot reach remote 'dest' \(http:\/\/127\.0\.0\.1:9\): .*ECONNREFUSED/);
    expect(result.stderr + result.stdout).not.toContain('secret-that-must-not-leak');
  });

  it('copies between directories and prints one JSON summary on stdout', async () => {
    const result = await runCli(['sync', join(dir, 'src'), join(dir, 'dst'), '--json', '--log-level', 'silent']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ command: 'sync', copied: 1, deleted: 0, skipped: 0, failed: 0, bytes: 1 });
    expect(typeof summary.seconds).toBe('number');
  });

  it('check exits 1 on a difference and 0 when identical', async () => {
    await mkdir(join(dir, 'other'), { recursive: true });
    expect((await runCli(['check', join(dir, 'src'), join(dir, 'other')])).code).toBe(1);
    await runCli(['sync', join(dir, 'src'), join(dir, 'other')]);
    expect((await runCli(['check', join(dir, 'src'), join(dir, 'other')])).code).toBe(0);
  });

  it('logs JSON lines on stderr, with no per-object noise at info', async () => {
    const result = await runCli(['copy', join(dir, 'src'), join(dir, 'logs')]);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('{'));
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual(['run started', 'run finished']);
  });
});

describe('bucketbridge CLI shutdown', () => {
  it('on SIGTERM stops taking objects, finishes those in flight, flushes logs and exits 1', async () => {
    const src = join(dir, 'many');
    await mkdir(src, { recursive: true });
    for (let i = 0; i < 3000; i++) await writeFile(join(src, `f${String(i).padStart(4, '0')}`), 'x');
    const dst = join(dir, 'many-dst');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../../lib/engine/cli.ts'), 'sync', src, dst, '--json', '--log-level', 'debug', '--transfers', '1', '--checkers', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!signalled && stderr.includes('"msg":"copied"')) signalled = child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    const summary = JSON.parse(stdout) as { copied: number; stopped: boolean };
    expect(summary.stopped).toBe(true);
    expect(summary.copied).toBeLessThan(3000);
    expect(stderr).toContain('"msg":"stopping: no new objects, draining copies in flight"');
    expect(stderr).toContain('"msg":"run finished"');
    expect((await readdir(dst)).length).toBe(summary.copied);
  });
});
