/**
 * The CLI's lock handling, against the local Lease API: the locks are taken before the engine
 * touches a bucket, so these runs need no S3 endpoint that answers.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bucketLockName, bucketServer } from '../../../lib/model';
import { engineBuild, ensureEngineBuild } from '../../support/engine-bundle';
import { LeaseApiServer } from '../../support/lease-api-server';
import { logLines } from '../../support/pod-runner';

const TOKEN = 'cli-token';
const CLI = join(__dirname, '../../../lib/engine/cli.ts');
const ENDPOINT = 'http://127.0.0.1:9';
const server = bucketServer(ENDPOINT);
let api: LeaseApiServer;

function remote(name: string): Record<string, string> {
  const p = `RCLONE_CONFIG_${name.toUpperCase()}_`;
  return { [`${p}TYPE`]: 's3', [`${p}PROVIDER`]: 'Ceph', [`${p}ENDPOINT`]: ENDPOINT, [`${p}ACCESS_KEY_ID`]: 'k', [`${p}SECRET_ACCESS_KEY`]: 's' };
}

/** Runs the CLI from source, or the runtime image's bundle with `bundle`. */
function start(args: string[], bundle = false) {
  const child = spawn(process.execPath, bundle ? [engineBuild.entry, ...args] : ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUBECONFIG: api.kubeconfig(), ...remote('src'), ...remote('dst') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, done, stderr: () => stderr };
}

/** A lease held by a live holder that renewed it just now. */
function holdLease(name: string, holder: string): void {
  const now = new Date().toISOString().replace('Z', '000Z');
  api.put('locks', {
    metadata: { name, annotations: { 'bucketbridge.io/members': holder } },
    spec: { holderIdentity: holder, leaseDurationSeconds: 300, acquireTime: now, renewTime: now, leaseTransitions: 0 },
  });
}

beforeEach(async () => {
  api = await LeaseApiServer.start({ token: TOKEN });
});

afterEach(async () => {
  await api.close();
});

describe('bucketbridge sync --lock-namespace', () => {
  it('gives up after --lock-timeout, naming the holder, and gives back the lock it had taken', async () => {
    const first = bucketLockName(server, 'aaa-bucket');
    const second = bucketLockName(server, 'zzz-bucket');
    holdLease(second, 'policy-other-29000000');
    const run = start(['sync', 'src:aaa-bucket', 'dst:zzz-bucket', '--lock-namespace', 'locks', '--lock-timeout', '1', '--holder', 'me']);
    const { code, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^bucketbridge: gave up waiting for lock ${second} after 1(\\.\\d)? s: held by policy-other-29000000$`));
    expect(logLines(stderr).find((l) => l.msg === 'waiting for lock')).toMatchObject({ lease: second, holder: 'policy-other-29000000' });
    expect(api.lease('locks', first)?.spec).not.toHaveProperty('holderIdentity');
    expect(api.lease('locks', second)?.spec).toMatchObject({ holderIdentity: 'policy-other-29000000' });
    // The engine never started: no S3 request was made to the unreachable endpoint.
    expect(logLines(stderr).some((l) => l.msg === 'run started')).toBe(false);
  });

  it('stops waiting on SIGTERM and gives back the lock it had taken (an empty --holder is the host name)', async () => {
    const first = bucketLockName(server, 'aaa-bucket');
    const second = bucketLockName(server, 'zzz-bucket');
    holdLease(second, 'policy-other-29000000');
    const run = start(['sync', 'src:aaa-bucket', 'dst:zzz-bucket', '--lock-namespace', 'locks', '--holder', '']);
    const deadline = Date.now() + 60_000;
    while (!run.stderr().includes('waiting for lock') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(api.lease('locks', first)?.spec).toMatchObject({ holderIdentity: hostname() });
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stderr).toContain('SIGTERM while waiting for bucket locks');
    expect(api.lease('locks', first)?.spec).not.toHaveProperty('holderIdentity');
  });

  it('fails as bad configuration when the Role lacks a verb', async () => {
    api.verbs = new Set(['get', 'update']);
    const { code, stderr } = await start(['sync', 'src:aaa-bucket', 'dst:zzz-bucket', '--lock-namespace', 'locks']).done;
    expect(code).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^bucketbridge: cannot create lease bucketbridge-lock-aaa-bucket-[0-9a-f]{12}: HTTP 403 Forbidden: .*cannot create resource "leases"/);
  });

  it('works from the runtime bundle, which loads the locks from a file of their own', async () => {
    await ensureEngineBuild();
    holdLease(bucketLockName(server, 'zzz-bucket'), 'policy-other-29000000');
    const timedOut = await start(['sync', 'src:aaa-bucket', 'dst:zzz-bucket', '--lock-namespace', 'locks', '--lock-timeout', '1'], true).done;
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain('held by policy-other-29000000');
    api.verbs = new Set(['get']);
    const forbidden = await start(['sync', 'src:aaa-bucket', 'dst:zzz-bucket', '--lock-namespace', 'locks'], true).done;
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toContain('HTTP 403 Forbidden');
  });
});
