import { App, Chart, Testing } from 'cdk8s';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { rciisCamelReplicator } from '../../examples/cdk8s/rciis-camel-replicator';
import { rciisTopologyConstructProps as props } from '../../examples/cdk8s/rciis-topology';
import { rciisTopology } from '../../examples/topology/rciis';
import { BucketSyncPolicy } from '../../lib/k8s/bucket-sync-policy';
import { CamelReplicator } from '../../lib/k8s/camel-replicator';
import { CephMultisite } from '../../lib/k8s/ceph-multisite';
import { CosmosLocation } from '../../lib/k8s/cosmos-location';
import { ReplicationTopology, type ReplicationTopologyConstructProps } from '../../lib/k8s/replication-topology';
import { S3XService } from '../../lib/k8s/s3x-service';
import {
  ManifestValidator,
  ValidationError,
  formatManifestProblem,
  formatProblem,
  type GitOpsFile,
  type SiteProps,
  type TopologyEdgeProps,
} from '../../lib/model';

function build(extra: Partial<ReplicationTopologyConstructProps> = {}): ReplicationTopology {
  return new ReplicationTopology(Testing.app(), 'rciis', { ...props, ...extra });
}

function problems(extra: Partial<ReplicationTopologyConstructProps>): string[] {
  try {
    build(extra);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

/** The fields of the rendered objects these tests read. */
interface Json {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations: Record<string, string> };
  readonly spec: {
    readonly path: string;
    readonly dependsOn?: { readonly name: string }[];
    readonly healthChecks?: unknown[];
    readonly healthCheckExprs: unknown[];
    readonly wait?: boolean;
    readonly source: { readonly path: string };
    readonly destination: unknown;
    readonly customEndpoints?: string[];
  };
}

function valid(objects: readonly unknown[]): void {
  const found = ManifestValidator.forDirectory().validateAll(objects);
  expect(found.map(formatManifestProblem)).toEqual([]);
}

function file(files: readonly GitOpsFile[], path: string): Json[] {
  const found = files.find((f) => f.path === path);
  if (!found) throw new Error(`no file ${path} among ${files.map((f) => f.path).join(', ')}`);
  return found.objects as unknown as Json[];
}

/** The objects of a folder's stage. */
function stage(topology: ReplicationTopology, path: string, name: string): unknown[] {
  const cluster = topology.clusters().find((c) => c.path === path);
  return [...(cluster?.stages.find((s) => s.stage === name)?.objects ?? [])];
}

const ceph = (name: string, buckets: string[], extra: Partial<SiteProps> = {}): SiteProps =>
  ({ kind: 'ceph', name, objectStoreName: 'store', endpoint: `https://s3.${name}.example.com`, buckets, ...extra }) as SiteProps;
const legacySites: SiteProps[] = [
  ceph('site-a', ['data', 'photos']),
  { kind: 'aws', name: 'aws-af', accountId: '111111111111', region: 'af-south-1', buckets: ['archive-af', 'reports-af'], gitopsPath: 'clusters/eks-af' },
  { kind: 'edgefs', name: 'hawaii', endpoint: 'http://rook-edgefs-s3x-s3x-cola.rook-edgefs.svc:3000', buckets: ['bk1'] },
  { kind: 'zenko', name: 'zenko', endpoint: 'https://zenko.example.com', buckets: ['reports-mirror'] },
];
const scheduled = (edge: Pick<TopologyEdgeProps, 'name' | 'from' | 'to'> & Partial<TopologyEdgeProps>): TopologyEdgeProps => ({
  purpose: 'backup',
  mode: 'scheduled',
  schedule: '0 2 * * *',
  ...edge,
});
const image = 'ghcr.io/example/bucketbridge:0.1.0';
const cephKeys = [
  { name: 'ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'ceph-sync', key: 'access-key' } } },
  { name: 'SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'ceph-sync', key: 'secret-key' } } },
];
const legacy: ReplicationTopologyConstructProps = {
  sites: legacySites,
  edges: [
    scheduled({ name: 'data-to-aws', from: 'site-a/data', to: 'aws-af/archive-af', prefix: 'exports/', mustSurvive: ['deletes'] }),
    scheduled({ name: 'photos-edgefs', from: 'site-a/photos', to: 'hawaii/bk1' }),
    scheduled({ name: 'reports-in', from: 'aws-af/reports-af', to: 'zenko/reports-mirror', schedule: '@hourly' }),
  ],
  bucketSync: {
    'data-to-aws': { image, fromEnv: cephKeys, toIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::111111111111:role/sync' } },
    'photos-edgefs': { image, fromEnv: cephKeys, runOn: 'to', transfers: 4 },
  },
  cosmos: { 'reports-in': { zenkoNodeCount: 3, transfers: 8 } },
  s3x: { hawaii: { name: 's3x-cola', init: { tenant: 'Hawaii/Cola', buckets: ['Hawaii/Cola/bk1'] } } },
};

describe('ReplicationTopology (cdk8s): composes the constructs', () => {
  it('renders the multisite edge exactly as CephMultisite does for the same setup', () => {
    const topology = build();
    const byHand = new CephMultisite(Testing.app(), 'rciis', {
      realmName: 'rciis',
      zoneGroupName: 'rciis-sites',
      objectStoreName: 'multisite-store',
      namespace: 'rook-ceph',
      zones: [
        { name: 'site-a', master: true, ...props.zones?.['site-a'] },
        { name: 'site-b', ...props.zones?.['site-b'] },
      ],
      syncTuning: { syncLeasePeriodSeconds: 30 },
    });
    for (const name of ['site-a', 'site-b']) {
      const objects = topology.multisites.get('rciis')?.chart(name).toJson() ?? [];
      expect(objects.length).toBeGreaterThan(3);
      expect(objects).toEqual(byHand.chart(name).toJson());
      valid(objects);
    }
  });

  it("renders the Ceph <-> AWS edge exactly as the runbook's CamelReplicator example, each chart in its cluster's folder", () => {
    const topology = build();
    const app = new App();
    const byHand = rciisCamelReplicator(app);
    const replicator = topology.replicators.get('ceph-aws');
    const onPrem = replicator?.onPremChart?.toJson() ?? [];
    const aws = replicator?.awsChart?.toJson() ?? [];
    expect(onPrem.map((o) => (o as Json).kind)).toContain('Integration');
    expect(onPrem).toEqual(byHand.onPremChart?.toJson());
    expect(aws).toEqual(byHand.awsChart?.toJson());
    valid([...onPrem, ...aws]);
    expect(stage(topology, 'clusters/site-a', 'replicators')).toEqual(onPrem);
    expect(stage(topology, 'clusters/aws-af-south-1', 'replicators')).toEqual(aws);
  });

  it('renders a native edge exactly as CamelReplicator with the native engine does, with the AWS site\'s account', () => {
    const camel = { ...props.camel?.['ceph-aws'], operatorId: undefined, native: { image: 'ghcr.io/example/bucketbridge:0.1.0' } };
    const topology = build({ replicator: 'native', camel: { 'ceph-aws': camel } });
    const byHand = new CamelReplicator(new App(), 's3-replicator', {
      engine: 'native',
      native: { image: 'ghcr.io/example/bucketbridge:0.1.0' },
      buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1', claimStorageClassName: 'ceph-bucket' }],
      ceph: {
        objectStoreName: 'ceph-objectstore',
        objectStoreNamespace: 'rook-ceph',
        userName: 's3-replicator',
        externalEndpoint: 'https://rgw.example.com',
        remoteCredentials: { secretName: 'ceph-rgw-credentials' },
      },
      kafka: props.camel?.['ceph-aws']?.kafka,
      aws: {
        region: 'af-south-1',
        accountId: '111111111111',
        queueName: 'rciis-s3-replication-events',
        deadLetterQueueName: 'rciis-s3-replication-dlq',
        onPremCredentials: { secretName: 'aws-s3-credentials' },
        clusterIdentity: { kind: 'secret', secretName: 'aws-s3-credentials', accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key' },
      },
      loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
    });
    const replicator = topology.replicators.get('ceph-aws');
    const onPrem = replicator?.onPremChart?.toJson() ?? [];
    const aws = replicator?.awsChart?.toJson() ?? [];
    expect(aws.map((o) => (o as Json).kind)).toContain('Deployment');
    expect(onPrem).toEqual(byHand.onPremChart?.toJson());
    expect(aws).toEqual(byHand.awsChart?.toJson());
    valid([...onPrem, ...aws]);
    expect(stage(topology, 'clusters/aws-af-south-1', 'replicators')).toEqual(aws);
    expect(topology.gitopsFiles().map((f) => f.path)).toContain('clusters/aws-af-south-1/stages/40-replicators/manifests.yaml');
  });

  it('maps a one-way edge, its prefix and the default queue names and credentials onto CamelReplicator', () => {
    const topology = build({
      edges: rciisTopology.edges.map((e) => (e.name === 'ceph-aws' ? { ...e, direction: 'one-way' as const, prefix: 'exports/' } : e)),
      camel: { 'ceph-aws': { kafka: { bootstrapServers: 'kafka:9092' } } },
    });
    const settings = topology.replicators.get('ceph-aws')?.settings;
    expect(settings).toMatchObject({
      cephToAws: true,
      awsToCeph: false,
      buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1', cephPrefix: 'exports/', awsPrefix: 'exports/' }],
      ceph: { objectStoreName: 'ceph-objectstore', objectStoreNamespace: 'rook-ceph', externalEndpoint: 'https://rgw.example.com', notificationFilter: { prefix: 'exports/' } },
      aws: { region: 'af-south-1', queueName: 'ceph-aws-events', deadLetterQueueName: 'ceph-aws-dlq', onPremCredentials: { secretName: 'aws-s3-credentials', accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key' } },
    });
    expect(topology.replicators.get('ceph-aws')?.awsChart).toBeUndefined();
    expect(topology.clusters().map((c) => c.path)).not.toContain('clusters/aws-af-south-1');
  });

  it('renders bucket-sync edges exactly as BucketSyncPolicy does, syncing when deletes must survive, on the chosen cluster', () => {
    const topology = new ReplicationTopology(Testing.app(), 'legacy', legacy);
    const app = Testing.app();
    const oneWay = new Chart(app, 'one-way', { namespace: 's3-replicator' });
    new BucketSyncPolicy(oneWay, 'policy', {
      name: 'data-to-aws',
      image,
      source: 'source:data/exports/',
      destination: 'destination:archive-af/exports/',
      schedule: '0 2 * * *',
      mode: 'sync',
      sourceEnv: [{ name: 'TYPE', value: 's3' }, { name: 'PROVIDER', value: 'Ceph' }, { name: 'ENDPOINT', value: 'https://s3.site-a.example.com' }, ...cephKeys],
      destinationEnv: [{ name: 'TYPE', value: 's3' }, { name: 'PROVIDER', value: 'AWS' }, { name: 'REGION', value: 'af-south-1' }],
      destinationIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::111111111111:role/sync' },
    });
    const copy = new Chart(app, 'copy', { namespace: 's3-replicator' });
    new BucketSyncPolicy(copy, 'policy', {
      name: 'photos-edgefs',
      image,
      source: 'source:photos/',
      destination: 'destination:bk1/',
      schedule: '0 2 * * *',
      mode: 'copy',
      transfers: 4,
      sourceEnv: [{ name: 'TYPE', value: 's3' }, { name: 'PROVIDER', value: 'Ceph' }, { name: 'ENDPOINT', value: 'https://s3.site-a.example.com' }, ...cephKeys],
      destinationEnv: [{ name: 'TYPE', value: 's3' }, { name: 'PROVIDER', value: 'Other' }, { name: 'ENDPOINT', value: 'http://rook-edgefs-s3x-s3x-cola.rook-edgefs.svc:3000' }],
    });

    expect(stage(topology, 'clusters/site-a', 'replicators')).toEqual(oneWay.toJson());
    expect(stage(topology, 'clusters/hawaii', 'replicators')).toEqual(copy.toJson());
    expect([...topology.bucketSyncPolicies.values()].map((p) => p.name)).toEqual(['data-to-aws', 'photos-edgefs']);
    valid([...oneWay.toJson(), ...copy.toJson()]);
  });

  it('renders a cosmos edge exactly as CosmosLocation does, on the Zenko cluster', () => {
    const topology = new ReplicationTopology(Testing.app(), 'legacy', legacy);
    const chart = new Chart(Testing.app(), 'zenko', { namespace: 'zenko' });
    new CosmosLocation(chart, 'location', {
      locationName: 'reports-in',
      namespace: 'zenko',
      schedule: '@hourly',
      source: { bucket: 'reports-af', region: 'af-south-1' },
      destination: { bucket: 'reports-mirror' },
      zenkoNodeCount: 3,
      transfers: 8,
    });
    expect(stage(topology, 'clusters/zenko', 'replicators')).toEqual(chart.toJson());
    valid(chart.toJson());
  });

  it("renders an EdgeFS site's S3XService exactly as S3XService does, in the site's stores stage", () => {
    const topology = new ReplicationTopology(Testing.app(), 'legacy', legacy);
    const chart = new Chart(Testing.app(), 'hawaii', { namespace: 'rook-edgefs' });
    new S3XService(chart, 's3x', { name: 's3x-cola', namespace: 'rook-edgefs', init: { tenant: 'Hawaii/Cola', buckets: ['Hawaii/Cola/bk1'] } });
    expect(stage(topology, 'clusters/hawaii', 'stores')).toEqual(chart.toJson());
    valid(chart.toJson());
  });

  it("gathers CephMultisite's problems under the realm, with the edges' problems", () => {
    const found = problems({ zones: { 'site-a': { gateway: { instances: 0, port: 80 } } }, camel: {} });
    expect(found[0]).toMatch(/^'multisite\.rciis\.zones\[0\]\.gateway\.instances' /);
    expect(found.slice(1).map((p) => p.split(' ')[0])).toEqual([
      "'camel.ceph-aws.ceph.remoteCredentials'",
      "'camel.ceph-aws.kafka'",
      "'camel.ceph-aws.loopGuard.awsPrincipalId'",
    ]);
  });

  it("uses the site's endpoint as the zone endpoint when the zone has no Ingress", () => {
    const topology = build({ zones: {} });
    const zoneObject = (topology.multisites.get('rciis')?.chart('site-b').toJson() as Json[]).find((o) => o.kind === 'CephObjectZone');
    expect(zoneObject?.spec.customEndpoints).toEqual(['https://s3.site-b.example.com']);
  });
});

describe('ReplicationTopology (cdk8s): errors', () => {
  it("gathers the composed constructs' problems under the topology prop that feeds them", () => {
    expect(problems({ camel: {} })).toEqual([
      "'camel.ceph-aws.ceph.remoteCredentials' must be set for the aws-to-ceph direction: a Secret reference ({ secretName, accessKeyIdKey, secretAccessKeyKey }), got undefined",
      "'camel.ceph-aws.kafka' must be set for the ceph-to-aws direction (the brokers RGW publishes notifications to), got undefined",
      "'camel.ceph-aws.loopGuard.awsPrincipalId' must be set when both directions run, or AWS -> Ceph re-replicates every object the on-prem replicator writes ('AWS:<unique id>' of its IAM user), got undefined",
    ]);
    expect(() => new ReplicationTopology(Testing.app(), 'legacy', { ...legacy, bucketSync: {} })).toThrow(
      "'bucketSync.data-to-aws.image' must name the bucketbridge image, got undefined",
    );
  });

  it('fails naming a native edge between sites CamelReplicator does not connect', () => {
    const sites: SiteProps[] = [ceph('site-a', ['data']), { kind: 'edgefs', name: 'hawaii', endpoint: 'https://s3x.example.com', buckets: ['bk1'] }];
    const edges: TopologyEdgeProps[] = [{ name: 'to-edgefs', from: 'site-a/data', to: 'hawaii/bk1', purpose: 'backup', mechanism: 'native' }];
    expect(() => new ReplicationTopology(Testing.app(), 'native', { sites, edges })).toThrow(
      "'edges[0].mechanism' native is rendered only between a Ceph and an AWS site (CamelReplicator with the native engine), not ceph -> edgefs for edge 'to-edgefs'; render the edge elsewhere and list it in 'exclude', got \"native\"",
    );
    expect(() => new ReplicationTopology(Testing.app(), 'native', { sites, edges, exclude: ['to-edgefs'] })).not.toThrow();
  });

  it('fails on a camel or native edge without its loop guard: CamelReplicator always enforces it', () => {
    const edges = rciisTopology.edges.map((e) => (e.name === 'ceph-aws' ? { ...e, direction: 'one-way' as const, loopGuard: false } : e));
    expect(problems({ edges })).toEqual([
      "'edges[2].loopGuard' must stay true with camel: CamelReplicator always skips the other direction's writes by userIdentity.principalId, got false",
    ]);
    expect(problems({ edges, replicator: 'native', camel: {} })).toEqual([
      "'edges[2].loopGuard' must stay true with native: CamelReplicator always skips the other direction's writes by userIdentity.principalId, got false",
    ]);
  });

  it('fails on excluded edges and settings that name nothing', () => {
    expect(
      problems({
        exclude: ['ceph-aws', 'nope'],
        zones: { 'aws-eu-west-1': {} },
        multisite: { other: {} },
        camel: { 'aws-regions': {} },
        bucketSync: { 'ceph-aws': { image } },
        cosmos: { nope: {} },
        s3x: { 'site-a': { name: 's3x' } },
        crdsPaths: { 'clusters/site-c': 'crds' },
      }),
    ).toEqual([
      "'exclude[1]' must name an edge, got \"nope\"",
      "'zones.aws-eu-west-1' must name a Ceph site, got \"aws-eu-west-1\"",
      "'s3x.site-a' must name an EdgeFS site, got \"site-a\"",
      "'crdsPaths.clusters/site-c' must name a site's gitopsPath, got \"clusters/site-c\"",
      "'multisite.other' must name a realm, got \"other\"",
      "'camel.aws-regions' must name a camel or native edge, got \"aws-regions\"",
      "'bucketSync.ceph-aws' must name a bucket-sync edge, got \"ceph-aws\"",
      "'cosmos.nope' must name a cosmos edge, got \"nope\"",
    ]);
  });

  it("fails on an edge named like a chart of another edge's CamelReplicator", () => {
    const sites = rciisTopology.sites.map((s) => (s.name === 'aws-eu-west-1' ? { ...s, buckets: [...s.buckets, 'rciis-copy-eu-west-1'] } : s));
    const clash = { name: 'ceph-aws-aws', from: 'aws-af-south-1/rciis-data-af-south-1', to: 'aws-eu-west-1/rciis-copy-eu-west-1', purpose: 'backup' as const, prefix: 'x/' };
    const edges = [...rciisTopology.edges.map((e) => (e.name === 'aws-regions' ? { ...e, prefix: 'y/' } : e)), clash];
    expect(problems({ sites, edges })).toEqual([
      "'edges[3].name' must not name a chart of the CamelReplicator of edge 'ceph-aws' (<edge>-on-prem, <edge>-aws), got \"ceph-aws-aws\"",
    ]);
  });

  it('fails when two edges render the same object into one folder, naming both', () => {
    const sites = rciisTopology.sites.map((s) =>
      s.name === 'onprem' ? { ...s, buckets: [...s.buckets, 'archive'] } : s.name === 'aws-af-south-1' ? { ...s, buckets: [...s.buckets, 'rciis-archive'] } : s,
    );
    const second = { name: 'archive-aws', from: 'onprem/archive', to: 'aws-af-south-1/rciis-archive', purpose: 'backup' as const };
    const camel = { 'ceph-aws': props.camel?.['ceph-aws'] ?? {}, 'archive-aws': { kafka: { bootstrapServers: 'kafka:9092' } } };
    const found = problems({ sites, edges: [...rciisTopology.edges, second], camel });
    expect(found[0]).toBe(
      "'edges' must not render one object twice into clusters/site-a: edge 'ceph-aws' and edge 'archive-aws' both render CephObjectStoreUser s3-replicator/s3-replicator (give one a namespace or names of its own), got [\"edge 'ceph-aws'\",\"edge 'archive-aws'\"]",
    );
    expect(found.some((p) => p.includes('Integration s3-replicator/ceph-to-aws-replicator'))).toBe(true);
    const separate = { ...camel['archive-aws'], namespace: 'archive-replicator' };
    expect(() => build({ sites, edges: [...rciisTopology.edges, second], camel: { ...camel, 'archive-aws': separate } })).not.toThrow();
    const sameTopic = { ...separate, kafka: { ...props.camel?.['ceph-aws']?.kafka, strimziTopic: undefined } } as typeof separate;
    expect(problems({ sites, edges: [...rciisTopology.edges, second], camel: { ...camel, 'archive-aws': sameTopic } })).toEqual([
      "'camel.archive-aws.kafka.topic' must differ from the topic of edge 'ceph-aws' (ceph-bucket-notifications on kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093): each replicator's RGW notifications need a topic of their own, or one replicator acts on the other's events, got \"ceph-bucket-notifications\"",
    ]);
  });

  it('fails on a two-way bucket-sync edge: one direction would overwrite the changes made on the other side', () => {
    const edges = (legacy.edges ?? []).map((e) => (e.name === 'photos-edgefs' ? { ...e, direction: 'two-way' as const } : e));
    expect(() => new ReplicationTopology(Testing.app(), 'legacy', { ...legacy, edges })).toThrow(
      "'edges[1].direction' must be 'one-way' to render with BucketSyncPolicy: it copies whatever differs from source to destination, so one direction's run would overwrite every change the other side made to a key both hold (it cannot tell which copy is newer); declare one-way edges on disjoint prefixes, or use a continuous replicator, got \"two-way\"",
    );
  });

  it('fails when bucket-sync edges on one bucket run where their Leases cannot see each other', () => {
    const edges = [...(legacy.edges ?? []), scheduled({ name: 'photos-back', from: 'hawaii/bk1', to: 'aws-af/reports-af', schedule: '@weekly' })];
    const run = (runOn: 'from' | 'to') =>
      new ReplicationTopology(Testing.app(), 'legacy', { ...legacy, edges, bucketSync: { ...legacy.bucketSync, 'photos-back': { image, runOn } } });
    expect(() => run('to')).toThrow(
      "'bucketSync.photos-back' must run where edge 'photos-edgefs' runs, clusters/hawaii (lock namespace s3-replicator), not clusters/eks-af (lock namespace s3-replicator): both sync hawaii/bk1, and bucket Leases keep syncs apart only within one cluster and namespace, got \"clusters/eks-af (lock namespace s3-replicator)\"",
    );
    expect(() => run('from')).not.toThrow();
  });

  it("fails on a loop through two replicators when one does not skip the identity the other writes as", () => {
    const sites: SiteProps[] = [
      ceph('onprem', ['data']),
      { kind: 'aws', name: 'aws-af', accountId: '111111111111', region: 'af-south-1', buckets: ['out-af'] },
      { kind: 'aws', name: 'aws-eu', accountId: '111111111111', region: 'eu-west-1', buckets: ['in-eu'] },
    ];
    const edges: TopologyEdgeProps[] = [
      { name: 'out', from: 'onprem/data', to: 'aws-af/out-af', purpose: 'dr' },
      { name: 'regions', from: 'aws-af/out-af', to: 'aws-eu/in-eu', purpose: 'dr' },
      { name: 'in', from: 'aws-eu/in-eu', to: 'onprem/data', purpose: 'dr' },
    ];
    const aws = { clusterIdentity: { kind: 'irsa' as const, roleArn: 'arn:aws:iam::111111111111:role/in' } };
    const camel = (outGuard: string | undefined): ReplicationTopologyConstructProps['camel'] => ({
      out: { kafka: { bootstrapServers: 'kafka:9092' }, ...(outGuard ? { loopGuard: { cephPrincipalId: outGuard } } : {}) },
      in: { namespace: 'in-replicator', ceph: { userName: 'in-writer', remoteCredentials: { secretName: 'ceph-keys' } }, aws },
    });
    expect(() => new ReplicationTopology(Testing.app(), 'loop', { sites, edges, camel: camel(undefined) })).toThrow(
      "'edges' must not form a loop whose guards the rendered replicators do not enforce: onprem/data -(out, camel)-> aws-af/out-af -(regions, crr)-> aws-eu/in-eu -(in, camel)-> onprem/data: edge 'out' skips Ceph writes of s3-replicator, but edge 'in' writes onprem/data as in-writer (set camel.out.loopGuard.cephPrincipalId), got [\"out\",\"regions\",\"in\"]",
    );
    const topology = new ReplicationTopology(Testing.app(), 'loop', { sites, edges, camel: camel('in-writer') });
    expect(topology.replicators.get('out')?.settings.loopGuard.cephPrincipalId).toBe('in-writer');
  });

  it('passes the topology checks through with the construct path', () => {
    expect(() => build({ edges: [{ ...rciisTopology.edges[0]!, direction: 'one-way' }] })).toThrow(/^rciis: invalid props/);
  });
});

describe('ReplicationTopology GitOps folders', () => {
  it('writes one folder per cluster with a stage folder per apply step, every object schema-valid', () => {
    const files = build().gitopsFiles();
    expect(files.map((f) => f.path)).toEqual([
      'clusters/site-a/stages/10-realm/manifests.yaml',
      'clusters/site-a/stages/20-zones/manifests.yaml',
      'clusters/site-a/stages/30-stores/manifests.yaml',
      'clusters/site-a/stages/40-replicators/manifests.yaml',
      'clusters/site-a/flux/ordering.yaml',
      'clusters/site-b/stages/10-realm/manifests.yaml',
      'clusters/site-b/stages/20-zones/manifests.yaml',
      'clusters/site-b/stages/30-stores/manifests.yaml',
      'clusters/site-b/flux/ordering.yaml',
      'clusters/aws-af-south-1/stages/40-replicators/manifests.yaml',
      'clusters/aws-af-south-1/flux/ordering.yaml',
    ]);
    for (const f of files) valid(f.objects);
    expect(file(files, 'clusters/site-b/stages/10-realm/manifests.yaml').map((o) => o.kind)).toEqual(['CephObjectRealm', 'CephObjectZoneGroup']);
    expect(file(files, 'clusters/site-b/stages/20-zones/manifests.yaml').map((o) => o.kind)).toEqual(['CephObjectZone']);
    expect(file(files, 'clusters/site-b/stages/30-stores/manifests.yaml').map((o) => o.kind)).toEqual(['CephObjectStore', 'Ingress']);
    expect(file(files, 'clusters/site-a/stages/40-replicators/manifests.yaml').map((o) => o.kind)).toEqual([
      'CephObjectStoreUser', 'CephBucketTopic', 'CephBucketNotification', 'ObjectBucketClaim', 'KafkaTopic', 'KafkaTopic', 'Integration', 'PrometheusRule', 'ConfigMap',
    ]);
    expect(file(files, 'clusters/aws-af-south-1/stages/40-replicators/manifests.yaml').map((o) => [o.kind, o.metadata.name])).toEqual([
      ['Integration', 'aws-to-ceph-replicator'], ['PrometheusRule', 's3-replicator-alerts'], ['ConfigMap', 's3-replicator-dashboard'],
    ]);
  });

  it('stages the legacy mechanisms: S3X with the stores, bucket-sync and Cosmos with the replicators', () => {
    const files = new ReplicationTopology(Testing.app(), 'legacy', legacy).gitopsFiles();
    expect(files.map((f) => f.path)).toEqual([
      'clusters/site-a/stages/40-replicators/manifests.yaml',
      'clusters/site-a/flux/ordering.yaml',
      'clusters/hawaii/stages/30-stores/manifests.yaml',
      'clusters/hawaii/stages/40-replicators/manifests.yaml',
      'clusters/hawaii/flux/ordering.yaml',
      'clusters/zenko/stages/40-replicators/manifests.yaml',
      'clusters/zenko/flux/ordering.yaml',
    ]);
    for (const f of files) valid(f.objects);
    expect(file(files, 'clusters/hawaii/flux/ordering.yaml').map((k) => [k.metadata.name, k.spec.dependsOn?.[0]?.name, k.spec.path])).toEqual([
      ['clusters-hawaii-stores', undefined, './clusters/hawaii/stages/30-stores'],
      ['clusters-hawaii-replicators', 'clusters-hawaii-stores', './clusters/hawaii/stages/40-replicators'],
    ]);
    expect(file(files, 'clusters/zenko/stages/40-replicators/manifests.yaml').map((o) => o.kind)).toEqual(['Cosmos']);
  });

  it('chains the Flux Kustomizations with dependsOn in apply order, each pointing at its stage folder', () => {
    const files = build({ crdsPaths: { 'clusters/site-a': 'infrastructure/rook-crds', 'clusters/aws-af-south-1': 'infrastructure/camel-k-crds' } }).gitopsFiles();
    const kustomizations = file(files, 'clusters/site-a/flux/ordering.yaml');
    expect(kustomizations.map((k) => [k.metadata.name, k.spec.dependsOn?.[0]?.name, k.spec.path])).toEqual([
      ['clusters-site-a-crds', undefined, './infrastructure/rook-crds'],
      ['clusters-site-a-realm', 'clusters-site-a-crds', './clusters/site-a/stages/10-realm'],
      ['clusters-site-a-zones', 'clusters-site-a-realm', './clusters/site-a/stages/20-zones'],
      ['clusters-site-a-stores', 'clusters-site-a-zones', './clusters/site-a/stages/30-stores'],
      ['clusters-site-a-replicators', 'clusters-site-a-stores', './clusters/site-a/stages/40-replicators'],
    ]);
    expect(file(files, 'clusters/aws-af-south-1/flux/ordering.yaml').map((k) => [k.metadata.name, k.spec.dependsOn?.[0]?.name, k.spec.path])).toEqual([
      ['clusters-aws-af-south-1-crds', undefined, './infrastructure/camel-k-crds'],
      ['clusters-aws-af-south-1-replicators', 'clusters-aws-af-south-1-crds', './clusters/aws-af-south-1/stages/40-replicators'],
    ]);
    for (const ordering of files.filter((f) => f.path.endsWith('/flux/ordering.yaml'))) {
      const objects = ordering.objects as unknown as Json[];
      const names = new Set(objects.map((k) => k.metadata.name));
      for (const k of objects) for (const dep of k.spec.dependsOn ?? []) expect(names.has(dep.name)).toBe(true);
      const paths = new Set(files.map((f) => `./${f.path.replace(/\/manifests\.yaml$/, '')}`));
      for (const k of objects.filter((o) => !o.metadata.name.endsWith('-crds'))) expect(paths.has(k.spec.path)).toBe(true);
      valid(objects);
    }
    const zones = kustomizations.find((k) => k.metadata.name === 'clusters-site-a-zones');
    expect(zones?.spec.healthChecks).toEqual([{ apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectZone', name: 'site-a', namespace: 'rook-ceph' }]);
    expect(zones?.spec.healthCheckExprs.length).toBeGreaterThan(0);
    expect(kustomizations.find((k) => k.metadata.name === 'clusters-site-a-replicators')?.spec.wait).toBe(true);
  });

  it('orders Argo CD Applications by sync wave, the replicators last, each syncing its stage folder to the site cluster', () => {
    const files = build({ gitops: { tool: 'argocd', repoURL: 'https://git.example.com/platform.git' } }).gitopsFiles();
    const folders = new Set(files.map((f) => f.path.replace(/\/manifests\.yaml$/, '')));
    const waves = (path: string) => {
      const applications = file(files, path);
      valid(applications);
      for (const a of applications) expect(folders.has(a.spec.source.path)).toBe(true);
      return applications.map((a) => [a.metadata.name, a.metadata.annotations['argocd.argoproj.io/sync-wave'], a.spec.source.path, a.spec.destination]);
    };
    const siteA = { name: 'onprem-a', namespace: 'rook-ceph' };
    expect(waves('clusters/site-a/argocd/ordering.yaml')).toEqual([
      ['clusters-site-a-realm', '1', 'clusters/site-a/stages/10-realm', siteA],
      ['clusters-site-a-zones', '2', 'clusters/site-a/stages/20-zones', siteA],
      ['clusters-site-a-stores', '3', 'clusters/site-a/stages/30-stores', siteA],
      ['clusters-site-a-replicators', '4', 'clusters/site-a/stages/40-replicators', siteA],
    ]);
    expect(waves('clusters/aws-af-south-1/argocd/ordering.yaml')).toEqual([
      ['clusters-aws-af-south-1-replicators', '4', 'clusters/aws-af-south-1/stages/40-replicators', { name: 'aws-af-south-1', namespace: 's3-replicator' }],
    ]);
  });

  it('refuses bad ordering settings', () => {
    expect(() => build({ gitops: { tool: 'flux', interval: 'soon' } }).gitopsFiles()).toThrow(
      "'gitops.interval' must be a Go duration such as '10m', got \"soon\"",
    );
    expect(() => build({ gitops: { tool: 'argocd', repoURL: 'platform' } }).gitopsFiles()).toThrow(
      "'gitops.repoURL' must be a Git URL, got \"platform\"",
    );
  });

  it('writes the folders and the report files', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'bucketbridge-topology-'));
    try {
      const written = build().writeTo(outdir);
      expect(written).toContain('clusters/aws-af-south-1/flux/ordering.yaml');
      expect(written.slice(-3)).toEqual(['topology.md', 'topology.json', 'topology.svg']);
      const ordering = yaml.loadAll(readFileSync(join(outdir, 'clusters/site-a/flux/ordering.yaml'), 'utf8')) as Json[];
      expect(ordering.map((o) => o.kind)).toEqual(['Kustomization', 'Kustomization', 'Kustomization', 'Kustomization']);
      valid(ordering);
      const replicators = yaml.loadAll(readFileSync(join(outdir, 'clusters/aws-af-south-1/stages/40-replicators/manifests.yaml'), 'utf8'));
      valid(replicators);
      expect(existsSync(join(outdir, 'topology.svg'))).toBe(true);
      expect((JSON.parse(readFileSync(join(outdir, 'topology.json'), 'utf8')) as { edges: unknown[] }).edges).toHaveLength(3);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
