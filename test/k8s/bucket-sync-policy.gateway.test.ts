/**
 * BucketSyncPolicy end to end on the real gateway: the synthesized Job containers run as a pod
 * would run them (args and env read from the manifest, Secret and ConfigMap keys resolved from
 * test data), the bucket locks kept in a local Kubernetes Lease API that grants exactly the
 * rendered Role's verbs.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Chart, Testing } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketSyncPolicy, type BucketSyncPolicyProps } from '../../lib/k8s/bucket-sync-policy';
import { bucketLockName, bucketServer } from '../../lib/model';
import { listAll } from '../engine/fixtures';
import { createBucket, gateway, s3 } from '../support/gateway';
import { LeaseApiServer } from '../support/lease-api-server';
import { findByKind, synthAndValidate, type KubeObject } from '../support/manifests';
import { logLines, runPod, type PodContext } from '../support/pod-runner';

const NAMESPACE = 'backups';
const TOKEN = 'policy-service-account-token';
let api: LeaseApiServer;
let client: S3Client;

const labEnv = (secretName: string) => [
  { name: 'TYPE', value: 's3' },
  { name: 'PROVIDER', value: 'Ceph' },
  { name: 'ENDPOINT', valueFrom: { configMapKeyRef: { name: 'lab-config', key: 'ENDPOINT' } } },
  { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'lab-config', key: 'REGION' } } },
  { name: 'ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: secretName, key: 'ACCESS_KEY_ID' } } },
  { name: 'SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: secretName, key: 'SECRET_ACCESS_KEY' } } },
];

function render(props: Partial<BucketSyncPolicyProps> & Pick<BucketSyncPolicyProps, 'name' | 'source' | 'destination'>): KubeObject[] {
  const chart = new Chart(Testing.app(), 'chart', { namespace: NAMESPACE });
  new BucketSyncPolicy(chart, 'Policy', {
    schedule: '@hourly',
    image: 'bucketbridge:test',
    sourceEnv: labEnv('source-credentials'),
    destinationEnv: labEnv('destination-credentials'),
    ...props,
  });
  return synthAndValidate(chart);
}

function pod(name: string, job: string, annotations: Record<string, string> = {}): PodContext {
  const gw = gateway();
  const keys = { ACCESS_KEY_ID: gw.accessKeyId, SECRET_ACCESS_KEY: gw.secretAccessKey };
  return {
    secrets: { 'source-credentials': keys, 'destination-credentials': keys },
    configMaps: { 'lab-config': { ENDPOINT: gw.endpoint, REGION: gw.region } },
    metadata: { name, namespace: NAMESPACE, labels: { 'batch.kubernetes.io/job-name': job }, annotations },
    kubeconfig: api.kubeconfig(TOKEN, NAMESPACE),
  };
}

/** The Lease API grants what the rendered Role grants, nothing more. */
function grantRole(objects: KubeObject[]): void {
  const rules = findByKind(objects, 'Role').rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  api.verbs = new Set(rules.filter((r) => r.apiGroups.includes('coordination.k8s.io') && r.resources.includes('leases')).flatMap((r) => r.verbs));
}

async function fill(bucket: string, prefix: string, count: number, size = 1024): Promise<void> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${i % 7}/object-${i}.bin`);
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((key, j) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size + i + j, key) }))));
  }
}

const contents = async (bucket: string, prefix = '') =>
  (await listAll(client, bucket, prefix)).map((o) => `${o.key.slice(prefix.length)} ${o.size} ${o.etag}`);

function summaryOf(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

beforeAll(async () => {
  api = await LeaseApiServer.start({ token: TOKEN, user: `system:serviceaccount:${NAMESPACE}:policy` });
  client = s3();
});

afterAll(async () => {
  client?.destroy();
  await api?.close();
});

describe('BucketSyncPolicy on the gateway', () => {
  it('runs the rendered Job container as synthesized and leaves the destination identical to the source', async () => {
    const [source, destination] = await Promise.all([createBucket('bsp-src'), createBucket('bsp-dst')]);
    await fill(source, 'photos/', 40);
    await fill(destination, 'stale/', 3);
    const objects = render({ name: 'garage-to-s3-sync', source, destination: `destination:${destination}` });
    grantRole(objects);
    const cronJob = findByKind(objects, 'CronJob');
    const result = await runPod(cronJob, pod('garage-to-s3-sync-29000000-x7k2p', 'garage-to-s3-sync-29000000'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.args.slice(0, 3)).toEqual(['sync', `source:${source}`, `destination:${destination}`]);
    expect(result.args.join(' ')).toContain('--holder garage-to-s3-sync-29000000 --lock-member garage-to-s3-sync-29000000-x7k2p');
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ command: 'sync', copied: 40, deleted: 3, failed: 0 });
    const server = bucketServer(gateway().endpoint);
    const leases = [bucketLockName(server, source), bucketLockName(server, destination)].sort();
    expect(summary.locks).toMatchObject({ leases, takenOver: [] });
    expect(await contents(destination)).toEqual(await contents(source));
    for (const name of leases) {
      const lease = api.lease(NAMESPACE, name);
      expect(lease?.spec).not.toHaveProperty('holderIdentity');
      expect((lease?.metadata as Record<string, unknown>).annotations).toEqual({ 'bucketbridge.io/members': '' });
    }
    expect(api.requests.every((r) => r.status !== 403)).toBe(true);
  });

  it('runs an Indexed Job\'s pods at once, each syncing its shard, together copying and deleting every key exactly once', async () => {
    const [source, destination] = await Promise.all([createBucket('bsp-shard-src'), createBucket('bsp-shard-dst')]);
    await fill(source, 'data/', 60);
    await fill(destination, 'old/', 9);
    const objects = render({ name: 'sharded', source, destination, parallelism: 3 });
    grantRole(objects);
    const cronJob = findByKind(objects, 'CronJob');
    const index = (i: number) => ({ 'batch.kubernetes.io/job-completion-index': String(i) });
    const results = await Promise.all([0, 1, 2].map((i) => runPod(cronJob, pod(`sharded-29000001-${i}-abcde`, 'sharded-29000001', index(i)))));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(results.map((r) => r.args[r.args.indexOf('--shard') + 1])).toEqual(['0/3', '1/3', '2/3']);
    const summaries = results.map((r) => summaryOf(r.stdout));
    expect(summaries.reduce((n, s) => n + Number(s.copied), 0)).toBe(60);
    expect(summaries.reduce((n, s) => n + Number(s.deleted), 0)).toBe(9);
    expect(summaries.every((s) => Number(s.copied) > 0 && Number(s.failed) === 0)).toBe(true);
    // The three pods of one run shared the locks: none of them waited for another.
    expect(summaries.every((s) => (s.locks as { waitedSeconds: number }).waitedSeconds < 4)).toBe(true);
    expect(await contents(destination)).toEqual(await contents(source));
  });

  it('runs two policies sharing a bucket at once: the second waits for the first\'s lease, they never sync it together, both finish', async () => {
    const [sourceA, sourceB, shared] = await Promise.all([createBucket('bsp-a'), createBucket('bsp-b'), createBucket('bsp-shared')]);
    await Promise.all([fill(sourceA, 'a/', 150), fill(sourceB, 'b/', 150)]);
    // One transfer at a time, so each run holds the shared bucket for a while.
    const slow = { transfers: 1, checkers: 1 };
    const policyA = render({ name: 'policy-a', source: sourceA, destination: `${shared}/from-a`, ...slow });
    const policyB = render({ name: 'policy-b', source: sourceB, destination: `${shared}/from-b`, ...slow });
    grantRole(policyA);
    const [a, b] = await Promise.all([
      runPod(findByKind(policyA, 'CronJob'), pod('policy-a-29000002-aaaaa', 'policy-a-29000002')),
      runPod(findByKind(policyB, 'CronJob'), pod('policy-b-29000002-bbbbb', 'policy-b-29000002')),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const sharedLease = bucketLockName(bucketServer(gateway().endpoint), shared);
    const interval = (stderr: string) => {
      const lines = logLines(stderr);
      const taken = lines.find((l) => l.msg === 'locks taken');
      const released = lines.find((l) => l.msg === 'lock released' && l.lease === sharedLease);
      const waited = lines.find((l) => l.msg === 'waiting for lock' && l.lease === sharedLease);
      if (taken === undefined || released === undefined) throw new Error(`no lock lines in:\n${stderr}`);
      return { from: Date.parse(String(taken.time)), to: Date.parse(String(released.time)), waited };
    };
    const [first, second] = [interval(a.stderr), interval(b.stderr)].sort((x, y) => x.from - y.from) as [ReturnType<typeof interval>, ReturnType<typeof interval>];
    expect(first.to).toBeLessThanOrEqual(second.from);
    expect(first.waited).toBeUndefined();
    expect(second.waited).toMatchObject({ lease: sharedLease });
    expect(String(second.waited?.holder)).toMatch(/^policy-[ab]-29000002$/);
    const waitedSeconds = [a, b].map((r) => (summaryOf(r.stdout).locks as { waitedSeconds: number }).waitedSeconds);
    expect(Math.max(...waitedSeconds)).toBeGreaterThan(0.5);
    expect(await contents(shared, 'from-a/')).toEqual(await contents(sourceA));
    expect(await contents(shared, 'from-b/')).toEqual(await contents(sourceB));
  });
});
