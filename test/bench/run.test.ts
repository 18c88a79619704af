import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(__dirname, '..', '..');
const tsx = createRequire(__filename).resolve('tsx/cli');

function bench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [tsx, join(repo, 'bench/run.ts'), ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run bench arguments', () => {
  it('prints its usage for --help and starts nothing', () => {
    const { status, stdout, stderr } = bench('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: npm run bench\n/);
    expect(stdout).toContain('BENCH_REPEAT');
    expect(stderr).not.toContain('[bench');
  });

  it('refuses an unknown argument with exit 2 and starts nothing', () => {
    const { status, stdout, stderr } = bench('--rounds', '5');
    expect(status).toBe(2);
    expect(stderr).toMatch(/^bench: Unknown option '--rounds'/);
    expect(stderr).toContain('usage: npm run bench');
    expect(stderr).not.toContain('[bench');
    expect(stdout).toBe('');
  });
});
