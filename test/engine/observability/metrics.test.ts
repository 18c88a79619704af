import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineMetrics, runSync } from '../../../lib/engine';
import { serveMetrics } from '../../../lib/engine/observability/metrics-server';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bb-metrics-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src', 'secret-looking-key.txt'), 'abc');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('EngineMetrics', () => {
  it('counts outcomes and bytes with low-cardinality labels, never keys', async () => {
    const metrics = new EngineMetrics();
    await runSync({ command: 'sync', source: join(dir, 'src'), destination: join(dir, 'dst'), env: {}, metrics });
    await runSync({ command: 'sync', source: join(dir, 'src'), destination: join(dir, 'dst'), env: {}, metrics });
    const text = await metrics.registry.metrics();
    expect(text).toContain('bucketbridge_objects_total{command="sync",outcome="copied"} 1');
    expect(text).toContain('bucketbridge_objects_total{command="sync",outcome="skipped"} 1');
    expect(text).toContain('bucketbridge_bytes_total{command="sync",method="local"} 3');
    expect(text).toContain('bucketbridge_transfer_seconds_count{method="local"} 1');
    expect(text).not.toContain('secret-looking-key');
  });

  it('is served at /metrics in the Prometheus format', async () => {
    const metrics = new EngineMetrics();
    metrics.objects.inc({ command: 'copy', outcome: 'copied' });
    const server = await serveMetrics('127.0.0.1:0', metrics.registry);
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('bucketbridge_objects_total{command="copy",outcome="copied"} 1');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('refuses an address that is not [host:]port', async () => {
    await expect(serveMetrics('nonsense', new EngineMetrics().registry)).rejects.toThrow(/'--metrics-addr' must be \[host:\]port/);
  });
});
