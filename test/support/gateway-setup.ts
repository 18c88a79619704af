/**
 * Global setup of the vitest `gateway` project. It provides `bucketbridgeGateway` to the tests:
 *
 * - If BUCKETBRIDGE_TEST_S3_ENDPOINT is set, that gateway is used as is, with
 *   BUCKETBRIDGE_TEST_S3_ACCESS_KEY_ID, BUCKETBRIDGE_TEST_S3_SECRET_ACCESS_KEY and
 *   BUCKETBRIDGE_TEST_S3_REGION (default us-east-1). Nothing is started or stopped.
 * - Otherwise a lab that `scripts/cephlab.sh status` reports as up is reused and left running.
 * - Otherwise `scripts/cephlab.sh start` starts one and it is stopped after the run,
 *   unless BUCKETBRIDGE_TEST_KEEP_GATEWAY=1 (then the next run starts in well under a second).
 *
 * When no gateway can be had, the setup does not throw: it provides the reason, and every
 * gateway test fails with it through gateway(), while the unit tests still run.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import type { Gateway, GatewayOrError } from './gateway';

const run = promisify(execFile);
const script = path.resolve(__dirname, '../../scripts/cephlab.sh');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let startedHere = false;
  let provided: GatewayOrError;
  try {
    const given = fromEnvironment();
    if (given) {
      await checkAnswers(given.endpoint);
      provided = { gateway: given };
    } else {
      startedHere = !(await labIsUp());
      if (startedHere) await cephlab('start');
      provided = { gateway: await labGateway() };
    }
  } catch (err) {
    provided = { error: `S3 gateway for the tests is not available: ${(err as Error).message}` };
  }
  project.provide('bucketbridgeGateway', provided);
  return async () => {
    if (startedHere && process.env.BUCKETBRIDGE_TEST_KEEP_GATEWAY !== '1') await cephlab('stop');
  };
}

function fromEnvironment(): Gateway | undefined {
  const env = process.env;
  const endpoint = env.BUCKETBRIDGE_TEST_S3_ENDPOINT;
  if (!endpoint) return undefined;
  const missing = ['BUCKETBRIDGE_TEST_S3_ACCESS_KEY_ID', 'BUCKETBRIDGE_TEST_S3_SECRET_ACCESS_KEY'].filter((n) => !env[n]);
  if (missing.length > 0) {
    throw new Error(`BUCKETBRIDGE_TEST_S3_ENDPOINT is set but not ${missing.join(' and ')}`);
  }
  return {
    endpoint,
    region: env.BUCKETBRIDGE_TEST_S3_REGION || 'us-east-1',
    accessKeyId: env.BUCKETBRIDGE_TEST_S3_ACCESS_KEY_ID!,
    secretAccessKey: env.BUCKETBRIDGE_TEST_S3_SECRET_ACCESS_KEY!,
  };
}

async function checkAnswers(endpoint: string): Promise<void> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new Error(`BUCKETBRIDGE_TEST_S3_ENDPOINT ${endpoint} does not answer: ${(err as Error).message}`);
  }
}

async function cephlab(command: 'start' | 'stop' | 'status' | 'env'): Promise<string> {
  try {
    const { stdout } = await run('bash', [script, command], { maxBuffer: 1 << 20 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`scripts/cephlab.sh ${command} failed:\n${e.stderr?.trim() || e.message}`);
  }
}

async function labIsUp(): Promise<boolean> {
  try {
    await run('bash', [script, 'status']);
    return true;
  } catch {
    return false;
  }
}

/** The lab's endpoint and keys, read from `cephlab.sh env` so the script stays their one source. */
async function labGateway(): Promise<Gateway> {
  const vars = new Map<string, string>();
  for (const m of (await cephlab('env')).matchAll(/^export (\w+)=(.*)$/gm)) vars.set(m[1]!, m[2]!);
  const get = (name: string): string => {
    const value = vars.get(`BUCKETBRIDGE_TEST_S3_${name}`);
    if (!value) throw new Error(`scripts/cephlab.sh env printed no BUCKETBRIDGE_TEST_S3_${name}`);
    return value;
  };
  return {
    endpoint: get('ENDPOINT'),
    region: get('REGION'),
    accessKeyId: get('ACCESS_KEY_ID'),
    secretAccessKey: get('SECRET_ACCESS_KEY'),
  };
}
