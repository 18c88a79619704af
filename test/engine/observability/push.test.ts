import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pushRunMetrics, runRegistry } from '../../../lib/engine/observability/push';

const pushes: { method: string; url: string; body: string }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
    res.writeHead(200).end();
  });
});

afterEach(() => {
  pushes.length = 0;
  server.close();
});

async function listen(): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('run metrics', () => {
  it('sets the last-success timestamp only for a successful run', async () => {
    const finishedAt = new Date('2026-01-01T00:00:00Z');
    const ok = await runRegistry({ succeeded: true, finishedAt, seconds: 12.5, copied: 3, outOfSync: 0, bytes: 100, lockWaitSeconds: 2 }).metrics();
    expect(ok).toContain('bucketbridge_run_last_success_timestamp_seconds 1767225600');
    expect(ok).toContain('bucketbridge_run_success 1');
    expect(ok).toContain('bucketbridge_run_lock_wait_seconds 2');
    const failed = await runRegistry({ succeeded: false, finishedAt, seconds: 1, failed: 2, outOfSync: 2 }).metrics();
    expect(failed).not.toContain('bucketbridge_run_last_success_timestamp_seconds');
    expect(failed).toContain('bucketbridge_run_success 0');
    expect(failed).toContain('bucketbridge_run_out_of_sync_objects 2');
    expect(failed).not.toContain('bucketbridge_run_copied_objects');
  });

  it('adds them to the job and shard group with POST, keeping metrics the run does not push', async () => {
    const url = await listen();
    await pushRunMetrics(url, 'garage-to-s3-sync', 2, { succeeded: true, finishedAt: new Date(), seconds: 1, copied: 1 });
    await pushRunMetrics(url, 'plain', undefined, { succeeded: false, finishedAt: new Date(), seconds: 1 });
    expect(pushes.map((p) => `${p.method} ${p.url}`)).toEqual(['POST /metrics/job/garage-to-s3-sync/shard/2', 'POST /metrics/job/plain']);
    expect(pushes[0]?.body).toContain('bucketbridge_run_copied_objects 1');
  });
});
