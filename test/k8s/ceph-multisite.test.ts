import { Chart, Testing } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CephMultisite,
  type CephMultisiteIngressProps,
  type CephMultisiteProps,
  type CephMultisiteZoneProps,
} from '../../lib/k8s/ceph-multisite';
import { ValidationError, formatProblem } from '../../lib/model';
import { type KubeObject, field, findAllByKind, findByKind, synthAndValidate } from '../support/manifests';

const ingressA = { host: 's3.site-a.example.com', tlsSecretName: 'rgw-tls' };
const siteA: CephMultisiteZoneProps = { name: 'site-a', ingress: ingressA };
const siteB: CephMultisiteZoneProps = {
  name: 'site-b',
  ingress: { host: 's3.site-b.example.com', tlsSecretName: 'rgw-tls' },
};
const base: CephMultisiteProps = {
  realmName: 'rciis',
  zoneGroupName: 'rciis-sites',
  objectStoreName: 'multisite-store',
  zones: [siteA, siteB],
};

function synth(props: Partial<CephMultisiteProps> = {}): Record<string, KubeObject[]> {
  const multisite = new CephMultisite(Testing.app(), 'Multisite', { ...base, ...props });
  const zones = props.zones ?? base.zones;
  return Object.fromEntries(zones.map((zone) => [zone.name, synthAndValidate(multisite.chart(zone.name))]));
}

function manifest(zone: string, props: Partial<CephMultisiteProps> = {}): KubeObject[] {
  const objects = synth(props)[zone];
  if (!objects) throw new Error(`no chart for ${zone}`);
  return objects;
}

function problems(props: Partial<CephMultisiteProps>): string[] {
  try {
    new CephMultisite(Testing.app(), 'Multisite', { ...base, ...props });
  } catch (error) {
    if (error instanceof ValidationError) {
      expect(error.path).toBe('Multisite');
      return error.problems.map(formatProblem);
    }
    throw error;
  }
  throw new Error('expected a ValidationError');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('CephMultisite', () => {
  it('renders one chart per zone with realm, zone group, zone, store and ingress, in apply order', () => {
    const charts = synth();
    expect(Object.keys(charts)).toEqual(['site-a', 'site-b']);
    for (const objects of Object.values(charts)) {
      expect(objects.map((object) => object.kind)).toEqual([
        'CephObjectRealm',
        'CephObjectZoneGroup',
        'CephObjectZone',
        'CephObjectStore',
        'Ingress',
      ]);
      expect(objects.every((object) => object.metadata.namespace === 'rook-ceph')).toBe(true);
    }
    expect(charts['site-b']).toMatchSnapshot();
  });

  it('creates the realm on the master and pulls it from the master endpoint on secondaries', () => {
    const charts = synth();
    expect(findByKind(charts['site-a'] ?? [], 'CephObjectRealm', 'rciis').spec).toEqual({});
    expect(findByKind(charts['site-b'] ?? [], 'CephObjectRealm', 'rciis').spec).toEqual({
      pull: { endpoint: 'https://s3.site-a.example.com' },
    });
  });

  it('joins every zone to the same zone group and realm, and every store to its zone', () => {
    for (const [zone, objects] of Object.entries(synth())) {
      expect(findByKind(objects, 'CephObjectZoneGroup', 'rciis-sites').spec).toEqual({ realm: 'rciis' });
      expect(field(findByKind(objects, 'CephObjectZone', zone), 'spec.zoneGroup')).toBe('rciis-sites');
      expect(field(findByKind(objects, 'CephObjectStore', 'multisite-store'), 'spec.zone')).toEqual({ name: zone });
    }
  });

  it('supports more than two zones, each secondary pulling from the master', () => {
    const siteC = { name: 'site-c', endpoints: ['https://s3.site-c.example.com'] };
    const charts = synth({ zones: [siteA, { ...siteB, master: true }, siteC] });
    expect(Object.keys(charts)).toEqual(['site-a', 'site-b', 'site-c']);
    for (const zone of ['site-a', 'site-c']) {
      expect(field(findByKind(charts[zone] ?? [], 'CephObjectRealm'), 'spec.pull')).toEqual({ endpoint: 'https://s3.site-b.example.com' });
    }
    expect(findByKind(charts['site-b'] ?? [], 'CephObjectRealm').spec).toEqual({});
  });

  it('uses an explicit pull endpoint and explicit zone endpoints', () => {
    const zones = [
      { name: 'site-a', endpoints: ['https://rgw-a.example.com:8443', 'https://rgw-a2.example.com'] },
      { name: 'site-b', endpoints: ['https://10.20.0.5:443'], pullEndpoint: 'https://rgw-a2.example.com' },
    ];
    const charts = synth({ zones });
    expect(field(findByKind(charts['site-a'] ?? [], 'CephObjectZone'), 'spec.customEndpoints')).toEqual(zones[0]?.endpoints);
    expect(field(findByKind(charts['site-b'] ?? [], 'CephObjectZone'), 'spec.customEndpoints')).toEqual(['https://10.20.0.5:443']);
    expect(field(findByKind(charts['site-b'] ?? [], 'CephObjectRealm'), 'spec.pull')).toEqual({ endpoint: 'https://rgw-a2.example.com' });
    expect(findAllByKind(charts['site-b'] ?? [], 'Ingress')).toEqual([]);
  });

  it('defaults pools to replicated size 3 across hosts and preserves them on delete', () => {
    const zone = findByKind(manifest('site-a'), 'CephObjectZone').spec;
    const pool = { failureDomain: 'host', replicated: { size: 3 } };
    expect(zone).toMatchObject({ metadataPool: pool, dataPool: pool, preservePoolsOnDelete: true });
  });

  it('renders replicated and erasure-coded pools, device class and preservePoolsOnDelete', () => {
    const zones = [
      {
        ...siteA,
        metadataPool: { replicated: { size: 1, requireSafeReplicaSize: false }, failureDomain: 'osd' },
        dataPool: { erasureCoded: { dataChunks: 4, codingChunks: 2 }, deviceClass: 'hdd' },
        preservePoolsOnDelete: false,
      },
      siteB,
    ];
    expect(findByKind(manifest('site-a', { zones }), 'CephObjectZone').spec).toMatchObject({
      metadataPool: { failureDomain: 'osd', replicated: { size: 1, requireSafeReplicaSize: false } },
      dataPool: { failureDomain: 'host', deviceClass: 'hdd', erasureCoded: { dataChunks: 4, codingChunks: 2 } },
      preservePoolsOnDelete: false,
    });
  });

  it('renders the gateway settings', () => {
    const gateway = {
      instances: 2,
      port: 8080,
      securePort: 8443,
      sslCertificateRef: 'rgw-cert',
      caBundleRef: 'peer-ca',
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      placement: {
        nodeSelector: { 'topology.kubernetes.io/zone': 'dc1' },
        tolerations: [{ key: 'storage', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
      },
    };
    const store = findByKind(manifest('site-a', { zones: [{ ...siteA, gateway }, siteB] }), 'CephObjectStore');
    expect(field(store, 'spec.gateway')).toEqual({
      ...gateway,
      placement: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['dc1'] }] }],
          },
        },
        tolerations: gateway.placement.tolerations,
      },
    });
  });

  it('defaults the gateway to one instance on port 80', () => {
    expect(field(findByKind(manifest('site-b'), 'CephObjectStore'), 'spec.gateway')).toEqual({ instances: 1, port: 80 });
  });

  it('sets multisite sync tuning through rgwConfig, overridable per zone', () => {
    const zones = [{ ...siteA, gateway: { rgwConfig: { rgw_sync_lease_period: '60', rgw_enable_ops_log: 'true' } } }, siteB];
    const syncTuning = { dataSyncSpawnWindow: 40, metaSyncSpawnWindow: 10, syncLeasePeriodSeconds: 30 };
    const charts = synth({ zones, syncTuning });
    expect(field(findByKind(charts['site-a'] ?? [], 'CephObjectStore'), 'spec.gateway.rgwConfig')).toEqual({
      rgw_data_sync_spawn_window: '40',
      rgw_meta_sync_spawn_window: '10',
      rgw_sync_lease_period: '60',
      rgw_enable_ops_log: 'true',
    });
    expect(field(findByKind(charts['site-b'] ?? [], 'CephObjectStore'), 'spec.gateway.rgwConfig')).toEqual({
      rgw_data_sync_spawn_window: '40',
      rgw_meta_sync_spawn_window: '10',
      rgw_sync_lease_period: '30',
    });
  });

  it('routes the ingress to the Rook gateway service with TLS and the NGINX transfer annotations', () => {
    const ingress = findByKind(manifest('site-a'), 'Ingress', 'multisite-store');
    expect(ingress.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '3',
      'nginx.ingress.kubernetes.io/proxy-body-size': '0',
      'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '600',
    });
    expect(ingress.spec).toEqual({
      tls: [{ hosts: ['s3.site-a.example.com'], secretName: 'rgw-tls' }],
      rules: [
        {
          host: 's3.site-a.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'rook-ceph-rgw-multisite-store', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
  });

  it('sets the ingress class, extra annotations and the gateway port on the ingress', () => {
    const ingress = { ...ingressA, className: 'nginx', annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '1200' } };
    const zones = [{ ...siteA, ingress, gateway: { port: 8080 } }, siteB];
    const rendered = findByKind(manifest('site-a', { zones }), 'Ingress');
    expect(field(rendered, 'spec.ingressClassName')).toBe('nginx');
    expect(rendered.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('1200');
    expect(field(rendered, 'spec.rules.0.http.paths.0.backend.service.port')).toEqual({ number: 8080 });
  });

  it('annotates Argo CD sync waves in apply order, unless turned off', () => {
    const waves = (objects: KubeObject[]) =>
      objects.map((object) => object.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    expect(waves(manifest('site-b'))).toEqual(['0', '1', '2', '3', '3']);
    expect(waves(manifest('site-b', { syncWaves: false }))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('uses the given namespace and exposes the realm keys Secret name and master zone', () => {
    const app = Testing.app();
    const multisite = new CephMultisite(app, 'Multisite', { ...base, namespace: 'storage' });
    expect(multisite.realmKeysSecretName).toBe('rciis-keys');
    expect(multisite.masterZoneName).toBe('site-a');
    const objects = synthAndValidate(multisite.chart('site-b'));
    expect(objects.every((object) => object.metadata.namespace === 'storage')).toBe(true);
    expect(findAllByKind(objects, 'Secret')).toEqual([]);
    expect(() => multisite.chart('site-z')).toThrow('no zone named "site-z"');
  });

  it('warns about an http endpoint but accepts it', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const zones = [{ name: 'site-a', endpoints: ['http://10.0.0.1:80'] }, { name: 'site-b', endpoints: ['https://10.0.0.2'] }];
    expect(field(findByKind(manifest('site-b', { zones }), 'CephObjectRealm'), 'spec.pull')).toEqual({ endpoint: 'http://10.0.0.1:80' });
    expect(warn).toHaveBeenCalledWith(
      `'zones[0].endpoints[0]' should use https: sync requests and object data cross it in the clear, got "http://10.0.0.1:80"`,
      { code: 'BUCKETBRIDGE_INSECURE_ENDPOINT' },
    );
  });

  it('owns its charts: they are children of the construct, so two instances may reuse zone names', () => {
    const app = Testing.app();
    const first = new CephMultisite(app, 'Multisite', base);
    const second = new CephMultisite(app, 'Backup', { ...base, realmName: 'backup', objectStoreName: 'backup-store' });
    for (const multisite of [first, second]) {
      expect(multisite.node.children.filter((child) => child instanceof Chart).map((chart) => chart.node.id)).toEqual(['site-a', 'site-b']);
      expect(multisite.chart('site-a').node.scope).toBe(multisite);
    }
    expect(app.node.children.filter((child) => child instanceof Chart)).toEqual([]);
    expect(findByKind(synthAndValidate(second.chart('site-b')), 'CephObjectRealm').metadata.name).toBe('backup');
  });

  it('applies the NGINX annotations only for the nginx class or no class, unless told otherwise', () => {
    const nginx = (ingress: Partial<CephMultisiteIngressProps>) => {
      const zones = [{ ...siteA, ingress: { ...ingressA, ...ingress } }, siteB];
      const annotations = findByKind(manifest('site-a', { zones, syncWaves: false }), 'Ingress').metadata.annotations ?? {};
      return Object.keys(annotations)
        .filter((key) => key.startsWith('nginx.ingress.kubernetes.io/'))
        .sort();
    };
    const all = [
      'nginx.ingress.kubernetes.io/proxy-body-size',
      'nginx.ingress.kubernetes.io/proxy-read-timeout',
      'nginx.ingress.kubernetes.io/proxy-request-buffering',
      'nginx.ingress.kubernetes.io/proxy-send-timeout',
    ];
    expect(nginx({})).toEqual(all);
    expect(nginx({ className: 'nginx' })).toEqual(all);
    expect(nginx({ className: 'traefik' })).toEqual([]);
    expect(nginx({ className: 'haproxy', annotations: { 'haproxy.org/timeout-server': '600s' } })).toEqual([]);
    expect(nginx({ className: 'internal-nginx', nginxAnnotations: true })).toEqual(all);
    expect(nginx({ nginxAnnotations: false })).toEqual([]);
  });

  it('limits the request body size through maxBodySize', () => {
    const zones = [{ ...siteA, ingress: { ...ingressA, maxBodySize: '5g' } }, siteB];
    const ingress = findByKind(manifest('site-a', { zones }), 'Ingress');
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('5g');
  });

  it('serves virtual-hosted-style requests: a wildcard ingress rule and the host in hosting.dnsNames', () => {
    const zones = [{ ...siteA, ingress: { ...ingressA, virtualHostedStyle: true } }, siteB];
    const charts = synth({ zones });
    const ingress = findByKind(charts['site-a'] ?? [], 'Ingress');
    expect(field(ingress, 'spec.tls')).toEqual([{ hosts: ['s3.site-a.example.com', '*.s3.site-a.example.com'], secretName: 'rgw-tls' }]);
    expect((field(ingress, 'spec.rules') as { host: string }[]).map((rule) => rule.host)).toEqual(['s3.site-a.example.com', '*.s3.site-a.example.com']);
    expect(field(findByKind(charts['site-a'] ?? [], 'CephObjectStore'), 'spec.hosting')).toEqual({ dnsNames: ['s3.site-a.example.com'] });
    expect(field(findByKind(charts['site-b'] ?? [], 'CephObjectStore'), 'spec.hosting')).toBeUndefined();
  });

  it('sets hosting.dnsNames as given', () => {
    const zones = [{ ...siteA, dnsNames: ['s3.site-a.example.com', 'objects.example.com'] }, siteB];
    expect(field(findByKind(manifest('site-a', { zones }), 'CephObjectStore'), 'spec.hosting')).toEqual({
      dnsNames: ['s3.site-a.example.com', 'objects.example.com'],
    });
  });

  it('splits a zone into a sync-serving store and a client-serving store without sync traffic', () => {
    const clientIngress = { host: 'objects.site-a.example.com', tlsSecretName: 'clients-tls', virtualHostedStyle: true };
    const zones = [
      { ...siteA, clientGateway: { instances: 4, port: 8080, ingress: clientIngress, rgwConfig: { rgw_enable_ops_log: 'true' } } },
      siteB,
    ];
    const objects = manifest('site-a', { zones, syncTuning: { syncLeasePeriodSeconds: 30 } });
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'CephObjectRealm/rciis',
      'CephObjectZoneGroup/rciis-sites',
      'CephObjectZone/site-a',
      'CephObjectStore/multisite-store',
      'Ingress/multisite-store',
      'CephObjectStore/multisite-store-clients',
      'Ingress/multisite-store-clients',
    ]);
    const sync = findByKind(objects, 'CephObjectStore', 'multisite-store');
    expect(field(sync, 'spec.gateway')).toEqual({ instances: 1, port: 80, rgwConfig: { rgw_sync_lease_period: '30' } });
    expect(field(sync, 'spec.hosting')).toBeUndefined();
    const clients = findByKind(objects, 'CephObjectStore', 'multisite-store-clients');
    expect(clients.spec).toEqual({
      zone: { name: 'site-a' },
      gateway: { instances: 4, port: 8080, disableMultisiteSyncTraffic: true, rgwConfig: { rgw_enable_ops_log: 'true' } },
      hosting: { dnsNames: ['objects.site-a.example.com'] },
    });
    expect(field(findByKind(objects, 'CephObjectZone'), 'spec.customEndpoints')).toEqual(['https://s3.site-a.example.com']);
    const ingress = findByKind(objects, 'Ingress', 'multisite-store-clients');
    expect(field(ingress, 'spec.rules.0.http.paths.0.backend.service')).toEqual({
      name: 'rook-ceph-rgw-multisite-store-clients',
      port: { number: 8080 },
    });
  });

  it('gives each store of a split zone the dnsNames of its own virtual-hosted ingress', () => {
    const zones = [
      {
        ...siteA,
        ingress: { ...ingressA, virtualHostedStyle: true },
        clientGateway: { ingress: { host: 'objects.site-a.example.com', tlsSecretName: 'clients-tls' } },
        dnsNames: ['objects.site-a.example.com'],
      },
      siteB,
    ];
    const objects = manifest('site-a', { zones });
    expect(field(findByKind(objects, 'CephObjectStore', 'multisite-store'), 'spec.hosting')).toEqual({ dnsNames: ['s3.site-a.example.com'] });
    expect(field(findByKind(objects, 'CephObjectStore', 'multisite-store-clients'), 'spec.hosting')).toEqual({
      dnsNames: ['objects.site-a.example.com'],
    });
  });

  it('names the client-serving store clientObjectStoreName', () => {
    const zones = [{ ...siteA, clientGateway: {} }, { ...siteB, clientGateway: { instances: 2 } }];
    const objects = manifest('site-b', { zones, clientObjectStoreName: 'rciis-s3' });
    expect(field(findByKind(objects, 'CephObjectStore', 'rciis-s3'), 'spec.gateway')).toEqual({ instances: 2, port: 80, disableMultisiteSyncTraffic: true });
  });

  it('renders gateway.disableMultisiteSyncTraffic on the sync store when a client store runs', () => {
    const zones = [{ ...siteA, gateway: { disableMultisiteSyncTraffic: false }, clientGateway: {} }, siteB];
    expect(field(findByKind(manifest('site-a', { zones }), 'CephObjectStore', 'multisite-store'), 'spec.gateway.disableMultisiteSyncTraffic')).toBe(false);
  });

  it('renders pool parameters', () => {
    const dataPool = { erasureCoded: { dataChunks: 4, codingChunks: 2 }, parameters: { bulk: 'true', compression_mode: 'aggressive' } };
    const zone = findByKind(manifest('site-a', { zones: [{ ...siteA, dataPool }, siteB] }), 'CephObjectZone');
    expect(field(zone, 'spec.dataPool.parameters')).toEqual({ bulk: 'true', compression_mode: 'aggressive' });
    expect(field(zone, 'spec.metadataPool.parameters')).toBeUndefined();
  });

  it('marks the realm as the default realm on every cluster when defaultRealm is set', () => {
    const charts = synth({ defaultRealm: true });
    expect(findByKind(charts['site-a'] ?? [], 'CephObjectRealm').spec).toEqual({ defaultRealm: true });
    expect(findByKind(charts['site-b'] ?? [], 'CephObjectRealm').spec).toEqual({
      defaultRealm: true,
      pull: { endpoint: 'https://s3.site-a.example.com' },
    });
    expect(findByKind(manifest('site-a'), 'CephObjectRealm').spec).toEqual({});
  });

  it('lists the Rook objects of a zone for Flux health checks', () => {
    const multisite = new CephMultisite(Testing.app(), 'Multisite', { ...base, zones: [{ ...siteA, clientGateway: {} }, siteB] });
    expect(multisite.fluxHealthChecks('site-a')).toEqual([
      { apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectRealm', name: 'rciis', namespace: 'rook-ceph' },
      { apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectZoneGroup', name: 'rciis-sites', namespace: 'rook-ceph' },
      { apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectZone', name: 'site-a', namespace: 'rook-ceph' },
      { apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectStore', name: 'multisite-store', namespace: 'rook-ceph' },
      { apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectStore', name: 'multisite-store-clients', namespace: 'rook-ceph' },
    ]);
  });

  it('declares its public props with the library own types, never the generated rook imports', () => {
    const source = readFileSync(join(__dirname, '../../lib/k8s/ceph-multisite.ts'), 'utf8');
    const publicTypes = (source.match(/^export (interface|type) [\s\S]*?^\}/gm) ?? []).map((declaration) =>
      declaration.replace(/\/\*[\s\S]*?\*\//g, ''),
    );
    expect(publicTypes.length).toBeGreaterThan(5);
    expect(publicTypes.filter((declaration) => /\brook\.[A-Z]/.test(declaration))).toEqual([]);
  });

  describe('fails when', () => {
    it('two zones are marked master', () => {
      expect(problems({ zones: [{ ...siteA, master: true }, { ...siteB, master: true }] })).toEqual([
        `'zones' must mark at most one zone as master, got ["site-a","site-b"]`,
      ]);
    });

    it('zone names repeat', () => {
      expect(problems({ zones: [siteA, siteB, { ...siteB }] })).toEqual([
        `'zones[2].name' must be unique, got "site-b"`,
      ]);
    });

    it('fewer than two zones are given', () => {
      expect(problems({ zones: [siteA] })).toEqual([`'zones' must list at least 2 zones, got ["site-a"]`]);
    });

    it('a zone, master or secondary, has neither endpoints nor ingress', () => {
      const rule = (zone: string) =>
        `must be set, or 'ingress', so that the other zones reach zone "${zone}" (Rook would advertise rook-ceph-rgw-multisite-store.rook-ceph.svc, which every cluster resolves to its own gateway)`;
      expect(problems({ zones: [siteA, { name: 'site-b' }] })).toEqual([`'zones[1].endpoints' ${rule('site-b')}, got undefined`]);
      expect(problems({ zones: [{ name: 'site-a' }, siteB, { name: 'site-c', endpoints: [] }] })).toEqual([
        `'zones[0].endpoints' ${rule('site-a')}, got undefined`,
        `'zones[2].endpoints' ${rule('site-c')}, got []`,
      ]);
    });

    it('an endpoint, pull endpoint or ingress host is a cluster-local service name', () => {
      const zones = [
        {
          name: 'site-a',
          endpoints: [
            'http://rook-ceph-rgw-multisite-store.rook-ceph.svc',
            'https://rook-ceph-rgw-multisite-store.rook-ceph.svc.cluster.local:443',
            'http://rgw.cluster.local',
            'http://rook-ceph-rgw-multisite-store:80',
          ],
        },
        { name: 'site-b', pullEndpoint: 'https://rgw.rook-ceph.svc', ingress: { host: 'rgw.rook-ceph.svc', tlsSecretName: 'rgw-tls' } },
      ];
      const rule = 'must be reachable from the other clusters, not a cluster-local service name';
      expect(problems({ zones })).toEqual([
        `'zones[0].endpoints[0]' ${rule}, got "http://rook-ceph-rgw-multisite-store.rook-ceph.svc"`,
        `'zones[0].endpoints[1]' ${rule}, got "https://rook-ceph-rgw-multisite-store.rook-ceph.svc.cluster.local:443"`,
        `'zones[0].endpoints[2]' ${rule}, got "http://rgw.cluster.local"`,
        `'zones[0].endpoints[3]' ${rule}, got "http://rook-ceph-rgw-multisite-store:80"`,
        `'zones[1].pullEndpoint' ${rule}, got "https://rgw.rook-ceph.svc"`,
        `'zones[1].ingress.host' ${rule}, got "rgw.rook-ceph.svc"`,
      ]);
    });

    it('the master zone sets a pull endpoint', () => {
      expect(problems({ zones: [{ ...siteA, pullEndpoint: 'https://b.example.com' }, siteB] })).toEqual([
        `'zones[0].pullEndpoint' must not be set on the master zone, got "https://b.example.com"`,
      ]);
    });

    it('an endpoint is not an http(s) URL', () => {
      expect(problems({ zones: [{ name: 'site-a', endpoints: ['s3.site-a.example.com'] }, { ...siteB, pullEndpoint: 'ftp://a' }] })).toEqual([
        `'zones[0].endpoints[0]' must be an http:// or https:// URL, got "s3.site-a.example.com"`,
        `'zones[1].pullEndpoint' must be an http:// or https:// URL, got "ftp://a"`,
      ]);
    });

    it('a pool size is 0, 1 without requireSafeReplicaSize false, or erasure coded chunks are too few', () => {
      const zones = [
        { ...siteA, metadataPool: { replicated: { size: 0 } }, dataPool: { replicated: { size: 1 } } },
        { ...siteB, dataPool: { erasureCoded: { dataChunks: 1, codingChunks: 0 } } },
      ];
      expect(problems({ zones })).toEqual([
        `'zones[0].metadataPool.replicated.size' must be an integer of at least 1, got 0`,
        `'zones[0].dataPool.replicated.size' must be at least 2 unless requireSafeReplicaSize is false, got 1`,
        `'zones[1].dataPool.erasureCoded.dataChunks' must be an integer of at least 2, got 1`,
        `'zones[1].dataPool.erasureCoded.codingChunks' must be an integer of at least 1, got 0`,
      ]);
    });

    it('a pool sets both or neither kind, or the metadata pool is erasure coded', () => {
      const erasureCoded = { dataChunks: 2, codingChunks: 1 };
      const zones = [
        { ...siteA, dataPool: { replicated: { size: 3 }, erasureCoded }, metadataPool: { erasureCoded } },
        { ...siteB, dataPool: { failureDomain: 'host' } },
      ];
      expect(problems({ zones })).toEqual([
        `'zones[0].dataPool' must set exactly one of replicated and erasureCoded, got {"replicated":{"size":3},"erasureCoded":{"dataChunks":2,"codingChunks":1}}`,
        `'zones[0].metadataPool.erasureCoded' must not be set: RGW metadata pools must be replicated, got {"dataChunks":2,"codingChunks":1}`,
        `'zones[1].dataPool' must set exactly one of replicated and erasureCoded, got {"failureDomain":"host"}`,
      ]);
    });

    it('the gateway has no instances, a bad port, a securePort without certificate, or a malformed quantity', () => {
      const resources = { requests: { cpu: '500m' }, limits: { memory: '2 GB' } };
      const zones = [{ ...siteA, gateway: { instances: 0, port: 70000, securePort: 443, resources } }, siteB];
      expect(problems({ zones })).toEqual([
        `'zones[0].gateway.instances' must be an integer of at least 1, got 0`,
        `'zones[0].gateway.port' must be an integer from 1 to 65535, got 70000`,
        `'zones[0].gateway.sslCertificateRef' must be set when securePort is set, got undefined`,
        `'zones[0].gateway.resources.limits.memory' must be a Kubernetes quantity such as 500m or 2Gi, got "2 GB"`,
      ]);
    });

    it('a body size, dnsName, client gateway or client store name is malformed', () => {
      const zones = [
        {
          ...siteA,
          ingress: { ...ingressA, maxBodySize: '5 GB' },
          dnsNames: ['*.s3.site-a.example.com', 'S3 site'],
        },
        { ...siteB, clientGateway: { instances: 0, port: 0, ingress: { host: 'clients.svc', tlsSecretName: 'tls' } } },
      ];
      expect(problems({ zones, clientObjectStoreName: 'Clients' })).toEqual([
        `'clientObjectStoreName' must be a DNS-1123 label, got "Clients"`,
        `'zones[0].ingress.maxBodySize' must be 0 (no limit) or a size such as 512m or 5g, got "5 GB"`,
        `'zones[0].dnsNames[0]' must be a DNS name without the wildcard (Rook serves its subdomains), got "*.s3.site-a.example.com"`,
        `'zones[0].dnsNames[1]' must be a DNS name without the wildcard (Rook serves its subdomains), got "S3 site"`,
        `'zones[1].clientGateway.instances' must be an integer of at least 1, got 0`,
        `'zones[1].clientGateway.port' must be an integer from 1 to 65535, got 0`,
        `'zones[1].clientGateway.ingress.host' must be reachable from the other clusters, not a cluster-local service name, got "clients.svc"`,
      ]);
    });

    it('no gateway of a zone transmits sync traffic, or the client store takes the sync store name', () => {
      const zones = [{ ...siteA, gateway: { disableMultisiteSyncTraffic: true } }, { ...siteB, clientGateway: {} }];
      expect(problems({ zones, clientObjectStoreName: 'multisite-store' })).toEqual([
        `'clientObjectStoreName' must differ from objectStoreName, got "multisite-store"`,
        `'zones[0].gateway.disableMultisiteSyncTraffic' must not be true: no other gateway of zone "site-a" would transmit its changes to the other zones, got true`,
      ]);
    });

    it('names are not DNS labels, the ingress host is not a DNS name, or sync tuning is not positive', () => {
      const zones = [{ ...siteA, name: 'Site_A', ingress: { host: 'https://s3.example.com', tlsSecretName: 'Bad Secret' } }, siteB];
      expect(problems({ realmName: 'RCIIS', namespace: 'rook ceph', zones, syncTuning: { syncLeasePeriodSeconds: 0 } })).toEqual([
        `'realmName' must be a DNS-1123 label, got "RCIIS"`,
        `'namespace' must be a DNS-1123 label, got "rook ceph"`,
        `'zones[0].name' must be a DNS-1123 label, got "Site_A"`,
        `'zones[0].ingress.host' must be a DNS name, got "https://s3.example.com"`,
        `'zones[0].ingress.tlsSecretName' must be a Secret name, got "Bad Secret"`,
        `'syncTuning.syncLeasePeriodSeconds' must be an integer of at least 1, got 0`,
      ]);
    });
  });
});
