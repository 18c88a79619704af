import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Replicator, reconcileScope } from '../../../lib/engine/commands/replicate';
import type { EventSource } from '../../../lib/engine/events/source';
import { resolveReplicateConfig } from '../../../lib/model';
import { errorLine, runCli } from '../run-cli';

describe('reconcileScope', () => {
  const selects = (route: { prefix: string; suffix: string }, key: string): boolean => {
    const { location, include } = reconcileScope(route);
    if (!key.startsWith(location)) return false;
    return include.length === 0 || picomatch(include, { dot: true })(key.slice(location.length));
  };

  it('selects exactly the keys a route’s prefix and suffix select', () => {
    const keys = ['logs/a.gz', 'logs/2026/b.gz', 'logs/a.txt', 'logsx/c.gz', 'other/d.gz', 'logs/.hidden.gz', 'app-1/x.gz', 'app-2.gz', 'app[1].gz'];
    for (const route of [
      { prefix: '', suffix: '' },
      { prefix: 'logs/', suffix: '' },
      { prefix: 'logs/', suffix: '.gz' },
      { prefix: 'logs', suffix: '.gz' },
      { prefix: 'app-', suffix: '' },
      { prefix: 'app[', suffix: '].gz' },
    ]) {
      for (const key of keys) {
        expect(selects(route, key), `${JSON.stringify(route)} ${key}`).toBe(key.startsWith(route.prefix) && key.endsWith(route.suffix));
      }
    }
  });

  it('uses the prefix up to its last slash as the sync location', () => {
    expect(reconcileScope({ prefix: 'a/b/c', suffix: '' })).toEqual({ location: 'a/b/', include: ['c*', 'c*/**/*'] });
    expect(reconcileScope({ prefix: 'a/', suffix: '' })).toEqual({ location: 'a/', include: [] });
  });
});

describe('bucketbridge replicate --check-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replicate-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a valid YAML file and exits 0 without connecting to anything', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(
      file,
      ['sources:', '  - {name: rgw, type: http, listen: "127.0.0.1:7799"}', 'routes:', '  - {name: r, source: "a:photos", destination: "b:photos-copy"}', ''].join('\n'),
    );
    const result = await runCli(['replicate', '--config', file, '--check-config']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${file}: valid (1 sources, 1 routes)\n`);
  });

  it('exits 2 naming every bad field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ sources: [{ name: 'q', type: 'sqs', queueUrl: 'https://user:pw@sqs.example/q', maxMessages: 11 }], routes: [] }));
    const result = await runCli(['replicate', '--config', file, '--check-config']);
    expect(result.code).toBe(2);
    expect(errorLine(result)).toBe(`bucketbridge: ${file}: invalid props (3):`);
    expect(result.stderr).toContain(`'sources[0].queueUrl' must be an http(s) URL without credentials, got "https://[redacted]@sqs.example/q"`);
    expect(result.stderr).toContain("'sources[0].maxMessages' must be <= 10, got 11");
    expect(result.stderr).toContain("'routes' must NOT have fewer than 1 items, got []");
    expect(result.stderr).not.toContain('pw@');
  });

  it('exits 2 when the file is missing or not YAML', async () => {
    expect(errorLine(await runCli(['replicate', '--config', join(dir, 'nope.yaml')]))).toMatch(/^bucketbridge: cannot read config file .*nope\.yaml/);
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'sources: [\n');
    const result = await runCli(['replicate', '--config', file]);
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(/is not YAML or JSON/);
  });
});

describe('Replicator source watchdog', () => {
  const remotes = {
    RCLONE_CONFIG_A_TYPE: 's3',
    RCLONE_CONFIG_A_PROVIDER: 'Ceph',
    RCLONE_CONFIG_A_ENDPOINT: 'http://127.0.0.1:9',
    RCLONE_CONFIG_A_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    RCLONE_CONFIG_A_SECRET_ACCESS_KEY: 'not-a-secret',
  };
  const config = resolveReplicateConfig({
    sources: [
      { name: 'flaky', type: 'http', listen: '127.0.0.1:0' },
      { name: 'gone', type: 'http', listen: '127.0.0.1:1' },
    ],
    routes: [{ name: 'r', source: 'a:src', destination: 'a:dst' }],
    sourceLostSeconds: 1,
  });

  it('gives up a source that stays not ready for sourceLostSeconds, once, and not one that recovers in time', async () => {
    let flakyReady = true;
    let goneReady = true;
    const source = (name: string, ready: () => boolean): EventSource => ({ name, start: async () => undefined, stop: async () => undefined, ready });
    const lost: { reason: string; at: number }[] = [];
    const replicator = new Replicator({
      config,
      env: remotes,
      createSource: (c) => (c.name === 'flaky' ? source('flaky', () => flakyReady) : source('gone', () => goneReady)),
      onSourceLost: (reason) => lost.push({ reason, at: Date.now() }),
    });
    await replicator.start();
    try {
      expect(replicator.ready()).toBe(true);
      const since = Date.now();
      flakyReady = false;
      goneReady = false;
      expect(replicator.ready()).toBe(false);
      await sleep(600);
      flakyReady = true;
      await sleep(1_600);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toMatch(/^source 'gone' has not been ready for [12] s \(sourceLostSeconds 1\)$/);
      expect(lost[0]!.at - since).toBeGreaterThanOrEqual(1_000);
      await sleep(1_200);
      expect(lost).toHaveLength(1);
    } finally {
      await replicator.stop();
    }
  });
});
