import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, EngineMetrics, runSync, type EngineTuning } from '../../lib/engine';
import { FaultyProxy, type Fault, type SeenRequest } from '../support/faulty-proxy';
import { createBucket, gateway, rcloneEnv } from '../support/gateway';
import { body, listAll, md5, objectMd5, openUploads, useScratch } from './fixtures';
import { errorLine, runCli } from './run-cli';

// Every request has a deadline: servers that accept and stay silent, send headers and stall the
// body, reset mid-body, or throttle, each end the run within the configured time, with a success
// or a clear one-line error, and nothing partial at the destination.

const MiB = 1024 * 1024;
const scratch = useScratch('deadlines');

let proxy: FaultyProxy | undefined;
let silent: { server: Server; sockets: Set<Socket> } | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  if (silent !== undefined) {
    for (const socket of silent.sockets) socket.destroy();
    await new Promise<void>((resolve) => silent?.server.close(() => resolve()));
    silent = undefined;
  }
});

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  silent = { server, sockets };
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function retriesOf(metrics: EngineMetrics, operation: string): Promise<number> {
  const metric = await metrics.retries.get();
  return metric.values.filter((v) => v.labels.operation === operation).reduce((sum, v) => sum + v.value, 0);
}

/**
 * A streamed copy of one 1 MiB object whose source is read through a proxy that faults its GETs
 * as `fault` says; returns the summary, how long it took and what reached the destination.
 */
async function copyThrough(fault: (get: SeenRequest) => Fault, tuning: Partial<EngineTuning>) {
  const [source, destination] = await Promise.all([createBucket('deadline-src'), createBucket('deadline-dst')]);
  const data = body(MiB);
  await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'obj', Body: data }));
  const isGet = (r: SeenRequest): boolean => r.method === 'GET' && !r.url.includes('list-type');
  proxy = await FaultyProxy.start(gateway().endpoint, (r) => (isGet(r) ? fault(r) : 'pass'));
  const metrics = new EngineMetrics();
  const began = Date.now();
  const summary = await runSync({
    command: 'copy',
    source: `src:${source}`,
    destination: `dst:${destination}`,
    env: { ...rcloneEnv('src', { ...gateway(), endpoint: proxy.endpoint }), ...rcloneEnv('dst') },
    metrics,
    tuning: { retryBaseDelayMs: 50, ...tuning },
  });
  return { summary, seconds: (Date.now() - began) / 1000, metrics, destination, data, gets: proxy.requests(isGet) };
}

describe('deadlines', () => {
  it('a server that accepts and stays silent: the header timeout ends each attempt, and the run fails with a one-line error', async () => {
    const endpoint = await silentServer();
    const began = Date.now();
    const run = runSync({
      command: 'copy',
      source: 'src:bucket',
      destination: 'dst:bucket',
      env: { ...rcloneEnv('src', { ...gateway(), endpoint }), ...rcloneEnv('dst', { ...gateway(), endpoint }) },
      tuning: { headerTimeoutMs: 500, idleTimeoutMs: 30_000, retryAttempts: 2, retryBaseDelayMs: 50 },
    });
    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(/^cannot reach remote '(src|dst)' \(http:\/\/127\.0\.0\.1:\d+\): TimeoutError/);
    // Two attempts of 0.5 s each, one short backoff.
    expect((Date.now() - began) / 1000).toBeLessThan(5);
  });

  it('the CLI takes the deadlines as flags and exits 2 with one line naming the timeout', async () => {
    const endpoint = await silentServer();
    const env = { ...rcloneEnv('SRC', { ...gateway(), endpoint }), ...rcloneEnv('DST', { ...gateway(), endpoint }) };
    const result = await runCli(['copy', 'SRC:bucket', 'DST:bucket', '--header-timeout', '0.5', '--idle-timeout', '0.5', '--retries', '1', '--log-level', 'silent'], env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(errorLine(result)).toMatch(/^bucketbridge: cannot reach remote '(SRC|DST)' .*TimeoutError/);
  }, 60_000);

  it('headers, then a body that stalls: the idle timeout ends each attempt; the object fails and nothing reaches the destination', async () => {
    const { summary, seconds, gets, destination } = await copyThrough(() => 'stall-body', { idleTimeoutMs: 1000, headerTimeoutMs: 30_000, retryAttempts: 2 });
    expect(summary).toMatchObject({ copied: 0, failed: 1 });
    expect(gets.map((r) => r.fault)).toEqual(['stall-body', 'stall-body']);
    // Two attempts of 1 s idle each, one short backoff, and the listings.
    expect(seconds).toBeLessThan(8);
    expect(await listAll(scratch.client, destination)).toEqual([]);
    expect(await openUploads(scratch.client, destination)).toBe(0);
  });

  it('a reset mid-body: the copy is retried and succeeds', async () => {
    const { summary, seconds, metrics, destination, data, gets } = await copyThrough((r) => (r.attempt === 1 ? 'reset-mid-body' : 'pass'), {});
    expect(summary).toMatchObject({ copied: 1, failed: 0 });
    expect(gets.map((r) => r.fault)).toEqual(['reset-mid-body', 'pass']);
    expect(await retriesOf(metrics, 'PutObject')).toBe(1);
    expect(seconds).toBeLessThan(8);
    expect(await objectMd5(scratch.client, destination, 'obj')).toBe(md5(data));
  });

  it('503 SlowDown twice, then success: retried with backoff and copied', async () => {
    const { summary, seconds, metrics, destination, data, gets } = await copyThrough((r) => (r.attempt <= 2 ? 'slow-down' : 'pass'), {});
    expect(summary).toMatchObject({ copied: 1, failed: 0 });
    expect(gets.map((r) => r.fault)).toEqual(['slow-down', 'slow-down', 'pass']);
    expect(await retriesOf(metrics, 'PutObject')).toBe(2);
    expect(seconds).toBeLessThan(8);
    expect(await objectMd5(scratch.client, destination, 'obj')).toBe(md5(data));
  });
});
