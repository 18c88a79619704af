import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replicator } from '../../../lib/engine/commands/replicate';
import type { Delivery, EventSource } from '../../../lib/engine/events/source';
import { ReplicateMetrics } from '../../../lib/engine/observability/replicate-metrics';
import { resolveReplicateConfig } from '../../../lib/model';
import { errorLine, runCli } from '../run-cli';

/** Accepts connections and never answers: only a deadline ends a request to it. */
function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, sockets })));
}

const idleSource: EventSource = { name: 'h', start: async () => undefined, stop: async () => undefined, ready: () => true };

describe('replicate deadlines', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => (silent = await silentServer()));
  afterAll(() => {
    for (const socket of silent.sockets) socket.destroy();
    silent.server.close();
  });

  it("bounds a key's S3 requests by the header timeout and retries it is given, then dead-letters the message", async () => {
    const config = resolveReplicateConfig({
      sources: [{ name: 'h', type: 'http', listen: '127.0.0.1:0' }],
      routes: [{ name: 'r', source: 'a:src', destination: 'a:dst' }],
      retry: { attempts: 1, baseDelayMs: 0 },
    });
    const env = {
      RCLONE_CONFIG_A_TYPE: 's3',
      RCLONE_CONFIG_A_PROVIDER: 'Ceph',
      RCLONE_CONFIG_A_ENDPOINT: `http://127.0.0.1:${silent.port}`,
      RCLONE_CONFIG_A_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      RCLONE_CONFIG_A_SECRET_ACCESS_KEY: 'not-a-secret',
    };
    const metrics = new ReplicateMetrics();
    const replicator = new Replicator({
      config,
      env,
      metrics,
      createSource: () => idleSource,
      tuning: { headerTimeoutMs: 300, retryAttempts: 2, retryBaseDelayMs: 0, retryMaxDelayMs: 0 },
    });
    await replicator.start();
    try {
      const body = Buffer.from(JSON.stringify({ Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'src' }, object: { key: 'k' } } }] }));
      const delivery: Delivery = { body };
      const started = performance.now();
      const verdict = await replicator.handle(config.sources[0]!, delivery);
      const seconds = (performance.now() - started) / 1000;
      expect(verdict).toBe('dead-letter');
      expect(delivery.deadLetter?.reason).toBe('failed');
      // Two attempts of each side's HeadObject (both at once), each ended by the 0.3 s header deadline (the default is 60 s).
      expect(seconds).toBeGreaterThanOrEqual(0.55);
      expect(seconds).toBeLessThan(5);
      expect(silent.sockets.length).toBeGreaterThanOrEqual(1);
      const retries = (await metrics.registry.getSingleMetric('bucketbridge_retries_total')!.get()).values;
      expect(retries.find((v) => v.labels.operation === 'HeadObject')?.value).toBe(2);
    } finally {
      await replicator.stop({ abort: true });
    }
  });
});

describe('bucketbridge replicate deadline flags', () => {
  it('rejects a zero timeout naming the flag, as sync does', async () => {
    for (const flag of ['--connect-timeout', '--header-timeout', '--idle-timeout', '--retry-deadline']) {
      const result = await runCli(['replicate', '--config', 'unused.yaml', flag, '0']);
      expect(result.code).toBe(2);
      expect(errorLine(result)).toContain(`'${flag}' must be a number of seconds > 0, got 0`);
    }
    const retries = await runCli(['replicate', '--config', 'unused.yaml', '--retries', '-1']);
    expect(retries.code).toBe(2);
  });

  it('lists the deadline flags with their defaults in --help', async () => {
    const help = (await runCli(['replicate', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const text of [
      '--connect-timeout <seconds> how long opening a connection may take (default: 10)',
      "--header-timeout <seconds> how long a request may wait for the answer's headers (default: 60)",
      '--idle-timeout <seconds> how long a connection may stay silent, mid-body included (default: 60)',
      '--retries <N> retries of a failed request after the first attempt (default: 2)',
      "--retry-deadline <seconds> no retry starts later than this after a request's first attempt (default: 300)",
    ]) {
      expect(help).toContain(text);
    }
  });
});
