import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { BucketLocks } from '../../../lib/engine/locks/bucket-locks';
import { KubernetesLeaseStore, connectToKubernetes } from '../../../lib/engine/locks/kubernetes-lease-store';
import { LeaseConflictError } from '../../../lib/engine/locks/lease-store';
import { ConfigurationError } from '../../../lib/engine/errors';
import { LeaseApiServer } from '../../support/lease-api-server';

const TOKEN = 'sa-token-for-tests';
let api: LeaseApiServer;

function store(token = TOKEN, namespace = 'sync'): KubernetesLeaseStore {
  return new KubernetesLeaseStore(connectToKubernetes(api.kubeconfig(token)).config, namespace);
}

const lease = (name: string, holder: string) => ({
  name,
  holder,
  members: [holder],
  durationSeconds: 300,
  acquireTime: new Date('2026-01-01T00:00:00.123Z'),
  renewTime: new Date('2026-01-01T00:00:00.123Z'),
  transitions: 0,
});

beforeEach(async () => {
  api = await LeaseApiServer.start({ token: TOKEN });
});

afterEach(async () => {
  await api.close();
});

describe('KubernetesLeaseStore (through @kubernetes/client-node)', () => {
  it('creates a lease the API server accepts (MicroTime with microseconds) and reads it back', async () => {
    const leases = store();
    const created = await leases.create(lease('bucketbridge-lock-photos-0123456789ab', 'policy-a'));
    expect(created.resourceVersion).not.toBe('');
    const stored = api.lease('sync', 'bucketbridge-lock-photos-0123456789ab');
    expect(stored).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: 'sync', annotations: { 'bucketbridge.io/members': 'policy-a' } },
      spec: { holderIdentity: 'policy-a', leaseDurationSeconds: 300, renewTime: '2026-01-01T00:00:00.123000Z', leaseTransitions: 0 },
    });
    const read = await leases.get('bucketbridge-lock-photos-0123456789ab');
    expect(read).toMatchObject({ holder: 'policy-a', members: ['policy-a'], durationSeconds: 300, transitions: 0 });
    expect(read?.renewTime?.toISOString()).toBe('2026-01-01T00:00:00.123Z');
  });

  it('connects from inside a pod with the ServiceAccount token, CA and namespace (in-cluster configuration)', async () => {
    const mount = api.serviceAccountMount('sync-jobs');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(api.port);
    try {
      const connection = connectToKubernetes(undefined, mount);
      expect(connection.namespace).toBe('sync-jobs');
      const leases = new KubernetesLeaseStore(connection.config, connection.namespace);
      await leases.create(lease('bucketbridge-lock-a-0123456789ab', 'policy-a'));
      expect(api.lease('sync-jobs', 'bucketbridge-lock-a-0123456789ab')?.spec).toMatchObject({ holderIdentity: 'policy-a' });
    } finally {
      for (const [key, value] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('refuses to run locks outside a pod without a kubeconfig', () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      expect(() => connectToKubernetes()).toThrow(/not in a pod \(no KUBERNETES_SERVICE_HOST\/PORT\); give --kubeconfig/);
    } finally {
      if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved;
    }
  });

  it('reads a missing lease as undefined (404 NotFound)', async () => {
    expect(await store().get('bucketbridge-lock-none-0123456789ab')).toBeUndefined();
    expect(api.requests.at(-1)).toMatchObject({ verb: 'get', status: 404 });
  });

  it('refuses to create a lease that exists (409 AlreadyExists)', async () => {
    const leases = store();
    await leases.create(lease('bucketbridge-lock-a-0123456789ab', 'policy-a'));
    await expect(leases.create(lease('bucketbridge-lock-a-0123456789ab', 'policy-b'))).rejects.toBeInstanceOf(LeaseConflictError);
    expect(api.lease('sync', 'bucketbridge-lock-a-0123456789ab')?.spec).toMatchObject({ holderIdentity: 'policy-a' });
  });

  it('replaces a lease at the version read, and refuses a stale version (409 Conflict)', async () => {
    const leases = store();
    const first = await leases.create(lease('bucketbridge-lock-a-0123456789ab', 'policy-a'));
    const second = await leases.replace(first, { ...first, holder: 'policy-b', members: ['policy-b'] });
    expect(Number(second.resourceVersion)).toBeGreaterThan(Number(first.resourceVersion));
    await expect(leases.replace(first, { ...first, holder: 'policy-c', members: ['policy-c'] })).rejects.toBeInstanceOf(LeaseConflictError);
    expect(api.requests.at(-1)).toMatchObject({ verb: 'update', status: 409 });
    expect((await leases.get(first.name))?.holder).toBe('policy-b');
  });

  it('treats a replace of a lease that is gone as a lost race', async () => {
    const leases = store();
    const first = await leases.create(lease('bucketbridge-lock-a-0123456789ab', 'policy-a'));
    const elsewhere = new KubernetesLeaseStore(connectToKubernetes(api.kubeconfig()).config, 'other');
    await expect(elsewhere.replace(first, first)).rejects.toBeInstanceOf(LeaseConflictError);
  });

  it('fails with a configuration error naming the status when the token is wrong (401)', async () => {
    const err = await store('wrong-token').get('bucketbridge-lock-a-0123456789ab').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toBe('cannot get lease bucketbridge-lock-a-0123456789ab: HTTP 401 Unauthorized: the API server did not accept the token');
  });

  it('fails with the API server\'s message when the Role does not grant a verb (403)', async () => {
    api.verbs = new Set(['get']);
    const err = await store().create(lease('bucketbridge-lock-a-0123456789ab', 'policy-a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain('HTTP 403 Forbidden: leases.coordination.k8s.io is forbidden');
    expect((err as Error).message).toContain('cannot create resource "leases"');
  });

  it('locks, waits, renews and releases with only the verbs get, create and update', async () => {
    const options = { timeoutMs: 10_000, pollIntervalMs: 50, renewIntervalMs: 100 };
    const a = new BucketLocks({ store: store(), holder: 'policy-a', ...options });
    const b = new BucketLocks({ store: store(), holder: 'policy-b', ...options });
    await a.acquire(['bucketbridge-lock-x-0123456789ab', 'bucketbridge-lock-y-0123456789ab']);
    onTestFinished(() => Promise.all([a.release(), b.release()]).then(() => undefined));
    let bDone = false;
    const waiting = b.acquire(['bucketbridge-lock-y-0123456789ab']).then((r) => {
      bDone = true;
      return r;
    });
    const renewedAt = () => String((api.lease('sync', 'bucketbridge-lock-y-0123456789ab')?.spec as { renewTime?: string }).renewTime);
    const firstRenewal = renewedAt();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(bDone).toBe(false);
    expect(renewedAt()).not.toBe(firstRenewal);
    await a.release();
    const report = await waiting;
    expect(report.waitedSeconds).toBeGreaterThan(0.3);
    expect(api.lease('sync', 'bucketbridge-lock-y-0123456789ab')?.spec).toMatchObject({ holderIdentity: 'policy-b', leaseTransitions: 1 });
    expect(api.lease('sync', 'bucketbridge-lock-x-0123456789ab')?.spec).not.toHaveProperty('holderIdentity');
    await b.release();
    expect(new Set(api.requests.map((r) => r.verb))).toEqual(new Set(['get', 'create', 'update']));
  });
});
