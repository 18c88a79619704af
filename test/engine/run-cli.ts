import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI = join(__dirname, '../../lib/engine/cli.ts');

/** Runs the engine CLI from source with only the given environment (plus PATH and HOME). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode(['--import', 'tsx', CLI, ...args], env);
}

/** Runs this Node.js with `args` and only the given environment (plus PATH and HOME). */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The one line the CLI prints for a usage or configuration error. */
export function errorLine(result: CliResult): string | undefined {
  return result.stderr.split('\n').find((line) => line.startsWith('bucketbridge: '));
}
