import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rciisTopology } from '../../examples/topology/rciis';
import { ValidationError, formatProblem, type ReplicationTopologyProps } from '../../lib/model';
import { findByKind, installMocks, settle, valueOf, type MockState, type Recorded } from './mocks';

let state: MockState;
let aws: typeof import('@pulumi/aws');
let lib: typeof import('../../lib/pulumi');
let af: import('@pulumi/aws').Provider;
let eu: import('@pulumi/aws').Provider;

beforeAll(async () => {
  state = await installMocks();
  aws = await import('@pulumi/aws');
  lib = await import('../../lib/pulumi');
  af = new aws.Provider('af-south-1', { region: 'af-south-1', allowedAccountIds: ['111111111111'] });
  eu = new aws.Provider('eu-west-1', { region: 'eu-west-1', allowedAccountIds: ['111111111111'] });
});

afterEach(() => {
  expect(state.unknown).toEqual([]);
});

/** What a resource is, without where it sits in the tree. */
function shape(records: readonly Recorded[]) {
  return records
    .filter((r) => r.type !== 'bucketbridge:aws:ReplicationTopology')
    .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, provider: r.provider }))
    .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
}

async function record(build: () => void): Promise<Recorded[]> {
  await settle(state);
  const before = state.recorded.length;
  build();
  await settle(state);
  return state.recorded.slice(before);
}

function problems(name: string, topology: ReplicationTopologyProps, extra: Record<string, unknown> = {}): string[] {
  try {
    new lib.ReplicationTopology(name, { topology, providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu }, ...extra });
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('ReplicationTopology (Pulumi)', () => {
  it('creates exactly what CrrReplication and CamelReplicatorAws create for the runbook setup', async () => {
    const fromTopology = await record(() => {
      new lib.ReplicationTopology('rciis', {
        topology: rciisTopology,
        providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu },
      });
    });
    const byHand = await record(() => {
      new lib.CrrReplication('rciis-aws-regions', {
        source: { bucketName: 'rciis-data-af-south-1', provider: af },
        destinations: [{ bucketName: 'rciis-data-eu-west-1', provider: eu }],
        rules: [{ id: 'aws-regions' }],
      });
      new lib.CamelReplicatorAws('rciis-ceph-aws', {
        provider: af,
        bucketName: 'rciis-ceph-replica-af-south-1',
        queueName: 'ceph-aws-events',
        deadLetterQueueName: 'ceph-aws-dlq',
      });
    });
    expect(fromTopology.some((r) => r.type === 'bucketbridge:aws:ReplicationTopology' && r.name === 'rciis')).toBe(true);
    expect(shape(fromTopology).length).toBeGreaterThan(10);
    expect(shape(fromTopology)).toEqual(shape(byHand));
  });

  it("gives the cdk8s side's replicator the queues it creates and the principal id its loop guard skips", async () => {
    const { ReplicationTopology: ClusterSide } = await import('../../lib/k8s/replication-topology');
    const { Testing } = await import('cdk8s');
    const topology: ReplicationTopologyProps = {
      ...rciisTopology,
      edges: rciisTopology.edges.map((e) => (e.name === 'ceph-aws' ? { ...e, prefix: 'exports/' } : e)),
    };
    let awsSide: InstanceType<typeof lib.ReplicationTopology> | undefined;
    const records = await record(() => {
      awsSide = new lib.ReplicationTopology('sides', { topology, providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu } });
    });
    const principalIds = await valueOf(awsSide!.replicatorPrincipalIds);
    expect(principalIds).toEqual({ 'ceph-aws': 'AWS:AIDAEXAMPLEUNIQUEID01' });
    expect(await valueOf(awsSide!.replicatorQueueUrls)).toEqual({ 'ceph-aws': 'https://sqs.af-south-1.amazonaws.com/111111111111/ceph-aws-events' });
    expect(await valueOf(awsSide!.replicatorQueueArns)).toEqual({ 'ceph-aws': 'arn:aws:sqs:af-south-1:111111111111:ceph-aws-events' });
    const queues = records.filter((r) => r.type === 'aws:sqs/queue:Queue').map((r) => r.inputs.name);
    expect(queues.sort()).toEqual(['ceph-aws-dlq', 'ceph-aws-events']);
    const notification = findByKind({ ...state, recorded: records }, 'aws:s3/bucketNotification:BucketNotification', 'sides-ceph-aws-notification');
    expect(notification.inputs.queues).toEqual([expect.objectContaining({ filterPrefix: 'exports/' })]);

    const clusterSide = new ClusterSide(Testing.app(), 'sides', {
      ...topology,
      camel: {
        'ceph-aws': {
          kafka: { bootstrapServers: 'kafka:9092' },
          ceph: { remoteCredentials: { secretName: 'ceph-rgw-credentials' } },
          loopGuard: { awsPrincipalId: principalIds['ceph-aws'] },
        },
      },
    });
    const settings = clusterSide.replicators.get('ceph-aws')?.settings;
    expect(settings?.aws).toMatchObject({ queueName: 'ceph-aws-events', deadLetterQueueName: 'ceph-aws-dlq', region: 'af-south-1' });
    expect(settings?.loopGuard.awsPrincipalId).toBe('AWS:AIDAEXAMPLEUNIQUEID01');
    const integration = JSON.stringify(clusterSide.replicators.get('ceph-aws')?.awsChart?.toJson());
    expect(integration).toContain('aws2-sqs:ceph-aws-events');
    expect(integration).toContain('AWS:AIDAEXAMPLEUNIQUEID01');
  });

  it("gives a native edge's engine the queue URL it creates, from the AWS site's account and region", async () => {
    const { ReplicationTopology: ClusterSide } = await import('../../lib/k8s/replication-topology');
    const { Testing } = await import('cdk8s');
    const topology: ReplicationTopologyProps = { ...rciisTopology, replicator: 'native' };
    let awsSide: InstanceType<typeof lib.ReplicationTopology> | undefined;
    await record(() => {
      awsSide = new lib.ReplicationTopology('native', { topology, providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu } });
    });
    const queueUrl = (await valueOf(awsSide!.replicatorQueueUrls))['ceph-aws'];
    const principalId = (await valueOf(awsSide!.replicatorPrincipalIds))['ceph-aws'];
    const clusterSide = new ClusterSide(Testing.app(), 'native', {
      ...topology,
      camel: {
        'ceph-aws': {
          native: { image: 'ghcr.io/example/bucketbridge:0.1.0' },
          kafka: { bootstrapServers: 'kafka:9092' },
          ceph: { remoteCredentials: { secretName: 'ceph-rgw-credentials' } },
          loopGuard: { awsPrincipalId: principalId },
        },
      },
    });
    const config = JSON.stringify(clusterSide.replicators.get('ceph-aws')?.awsChart?.toJson());
    expect(queueUrl).toBe('https://sqs.af-south-1.amazonaws.com/111111111111/ceph-aws-events');
    expect(config).toContain(queueUrl);
    expect(config).toContain(principalId);
  });

  it('creates nothing on AWS for bucket-sync and cosmos edges', async () => {
    const topology: ReplicationTopologyProps = {
      ...rciisTopology,
      sites: [
        ...rciisTopology.sites,
        { kind: 'zenko', name: 'zenko', endpoint: 'https://zenko.example.com', buckets: ['mirror'] },
      ],
      edges: [
        { name: 'nightly', from: 'onprem/s3-replication-test', to: 'aws-af-south-1/rciis-data-af-south-1', purpose: 'backup', mode: 'scheduled', schedule: '@daily' },
        { name: 'ingest', from: 'aws-eu-west-1/rciis-data-eu-west-1', to: 'zenko/mirror', purpose: 'backup', mode: 'scheduled', schedule: '@hourly' },
      ],
    };
    const records = await record(() => {
      new lib.ReplicationTopology('scheduled', { topology, providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu } });
    });
    expect(records.map((r) => r.type)).toEqual(['bucketbridge:aws:ReplicationTopology']);
  });

  it('passes per-edge settings through and makes a two-way CRR edge a two-way pair', async () => {
    const topology: ReplicationTopologyProps = {
      ...rciisTopology,
      edges: rciisTopology.edges.map((e) => (e.name === 'aws-regions' ? { ...e, direction: 'two-way' as const } : e)),
    };
    const records = await record(() => {
      new lib.ReplicationTopology('pair', {
        topology,
        providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu },
        crr: { 'aws-regions': { alarms: false } },
        camel: { 'ceph-aws': { queueName: 'rciis-s3-replication-events', deadLetterQueueName: 'rciis-s3-replication-dlq' } },
      });
    });
    const configs = records.filter((r) => r.type === 'aws:s3/bucketReplicationConfig:BucketReplicationConfig');
    expect(configs.map((r) => r.name).sort()).toEqual(['pair-aws-regions-replication', 'pair-aws-regions-reverse-replication']);
    expect(records.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm')).toEqual([]);
    expect(findByKind({ ...state, recorded: records }, 'aws:sqs/queue:Queue', 'pair-ceph-aws-events').inputs.name).toBe(
      'rciis-s3-replication-events',
    );
  });

  it('adopts a bucket another edge already creates instead of creating it twice', async () => {
    const topology: ReplicationTopologyProps = {
      ...rciisTopology,
      edges: [
        ...rciisTopology.edges.filter((e) => e.name !== 'ceph-aws'),
        {
          name: 'ceph-aws',
          from: 'onprem/s3-replication-test',
          to: 'aws-af-south-1/rciis-data-af-south-1',
          direction: 'two-way',
          purpose: 'dr',
        },
      ],
    };
    const records = await record(() => {
      new lib.ReplicationTopology('shared', { topology, providers: { 'aws-af-south-1': af, 'aws-eu-west-1': eu } });
    });
    const buckets = records.filter((r) => r.type === 'aws:s3/bucket:Bucket').map((r) => r.inputs.bucket);
    expect(buckets.sort()).toEqual(['rciis-data-af-south-1', 'rciis-data-eu-west-1']);
    const replicator = findByKind({ ...state, recorded: records }, 'bucketbridge:aws:CamelReplicatorAws', 'shared-ceph-aws');
    expect(replicator.dependsOn).toEqual(expect.arrayContaining(['shared-aws-regions-source', 'shared-aws-regions-source-versioning']));
    const notification = findByKind({ ...state, recorded: records }, 'aws:s3/bucketNotification:BucketNotification', 'shared-ceph-aws-notification');
    expect(notification.inputs.bucket).toBe('rciis-data-af-south-1');
  });

  it('fails naming the missing provider, unknown overrides and excluded edges', () => {
    expect(
      problems('bad', rciisTopology, {
        providers: { 'aws-af-south-1': af },
        crr: { 'ceph-aws': {} },
        exclude: ['nope'],
      }),
    ).toEqual([
      "'exclude[0]' must name an edge, got \"nope\"",
      "'crr.ceph-aws' must name a crr edge, got \"ceph-aws\"",
      "'providers.aws-eu-west-1' must be set: edge 'aws-regions' has buckets in AWS site aws-eu-west-1, got undefined",
    ]);
  });

  it('fails when two CRR edges would replicate one bucket: S3 keeps one replication configuration per bucket', () => {
    const topology: ReplicationTopologyProps = {
      ...rciisTopology,
      sites: rciisTopology.sites.map((s) => (s.name === 'aws-eu-west-1' ? { ...s, buckets: [...s.buckets, 'rciis-copy-eu-west-1'] } : s)),
      edges: [
        ...rciisTopology.edges.map((e) => (e.name === 'aws-regions' ? { ...e, prefix: 'a/' } : e)),
        { name: 'aws-copy', from: 'aws-af-south-1/rciis-data-af-south-1', to: 'aws-eu-west-1/rciis-copy-eu-west-1', purpose: 'backup', prefix: 'b/' },
      ],
    };
    expect(problems('twice', topology)).toEqual([
      "'edges[3]' must not replicate AWS bucket aws-af-south-1/rciis-data-af-south-1 as edge 'aws-regions' does: S3 keeps one replication configuration per bucket, so the second CrrReplication would replace the first one's, got \"aws-copy\"",
    ]);
  });

  it('fails when two replicators would share one AWS bucket notification', () => {
    const topology: ReplicationTopologyProps = {
      ...rciisTopology,
      sites: rciisTopology.sites.map((s) => (s.name === 'onprem' ? { ...s, buckets: [...s.buckets, 'archive'] } : s)),
      edges: [
        ...rciisTopology.edges,
        { name: 'ceph-aws-2', from: 'aws-af-south-1/rciis-ceph-replica-af-south-1', to: 'onprem/archive', purpose: 'backup' },
      ],
    };
    expect(problems('twice', topology)).toEqual([
      "'edges[3]' must not share AWS bucket aws-af-south-1/rciis-ceph-replica-af-south-1 with edge 'ceph-aws': S3 keeps one notification configuration per bucket, so the second replicator would replace the first one's, got \"ceph-aws-2\"",
    ]);
  });
});
