import { describe, expect, it } from 'vitest';
import { rciisTopology } from '../../examples/topology/rciis';
import {
  ValidationError,
  formatProblem,
  resolveTopology,
  type ReplicationTopologyProps,
  type SiteProps,
  type TopologyEdgeProps,
} from '../../lib/model';

const aws = (name: string, region: string, buckets: string[] = ['data']): SiteProps => ({
  kind: 'aws',
  name,
  accountId: '111111111111',
  region,
  buckets: buckets.map((b) => `${b}-${region}`),
});
const ceph = (name: string, extra: Partial<SiteProps> = {}): SiteProps =>
  ({
    kind: 'ceph',
    name,
    objectStoreName: 'store',
    endpoint: `https://s3.${name}.example.com`,
    buckets: ['data'],
    ...extra,
  }) as SiteProps;

function problems(props: ReplicationTopologyProps): string[] {
  try {
    resolveTopology('Topology', props);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const edge = (props: Partial<TopologyEdgeProps> & Pick<TopologyEdgeProps, 'name' | 'from' | 'to'>): TopologyEdgeProps => ({
  purpose: 'dr',
  ...props,
});

describe('resolveTopology: mechanism per edge', () => {
  it("picks the runbook's mechanism for each pair of sites", () => {
    const topology = resolveTopology('T', rciisTopology);
    expect(Object.fromEntries(topology.edges.map((e) => [e.name, e.mechanism]))).toEqual({
      'ceph-sites': 'multisite',
      'aws-regions': 'crr',
      'ceph-aws': 'camel',
    });
  });

  it('uses the native replicator for Ceph <-> AWS when the topology asks for it', () => {
    const topology = resolveTopology('T', { ...rciisTopology, replicator: 'native' });
    expect(topology.edges.find((e) => e.name === 'ceph-aws')?.mechanism).toBe('native');
  });

  it('uses bucket-sync for scheduled edges and cosmos for scheduled AWS -> Zenko ingestion', () => {
    const topology = resolveTopology('T', {
      sites: [
        aws('aws-af', 'af-south-1'),
        { kind: 'zenko', name: 'zenko', endpoint: 'https://zenko.example.com', buckets: ['ingest'] },
        { kind: 'edgefs', name: 'edgefs', endpoint: 'https://s3x.example.com', buckets: ['bk1'] },
      ],
      edges: [
        edge({ name: 'ingest', from: 'aws-af/data-af-south-1', to: 'zenko/ingest', mode: 'scheduled', schedule: '0 */12 * * *' }),
        edge({ name: 'legacy', from: 'edgefs/bk1', to: 'aws-af/data-af-south-1', mode: 'scheduled', schedule: '@daily' }),
      ],
    });
    expect(topology.edges.map((e) => e.mechanism)).toEqual(['cosmos', 'bucket-sync']);
  });

  it('keeps a per-edge override and marks it', () => {
    const props: ReplicationTopologyProps = {
      ...rciisTopology,
      edges: rciisTopology.edges.map((e) => (e.name === 'ceph-aws' ? { ...e, mechanism: 'native' as const } : e)),
    };
    const resolved = resolveTopology('T', props).edges.find((e) => e.name === 'ceph-aws');
    expect(resolved).toMatchObject({ mechanism: 'native', overridden: true });
  });

  it('fails when an override cannot replicate between the sites', () => {
    expect(
      problems({
        sites: [aws('aws-af', 'af-south-1'), ceph('site-a')],
        edges: [edge({ name: 'x', from: 'site-a/data', to: 'aws-af/data-af-south-1', mechanism: 'crr' })],
      }),
    ).toEqual(["'edges[0].mechanism' crr replicates only between AWS sites, not ceph -> aws, got \"crr\""]);
  });

  it('fails when no continuous mechanism links the sites', () => {
    expect(
      problems({
        sites: [aws('aws-af', 'af-south-1'), { kind: 'edgefs', name: 'edgefs', endpoint: 'https://s3x.example.com', buckets: ['bk1'] }],
        edges: [edge({ name: 'x', from: 'edgefs/bk1', to: 'aws-af/data-af-south-1' })],
      }),
    ).toEqual([
      "'edges[0].mode' must be 'scheduled' between a edgefs and a aws site (no continuous mechanism replicates them), got \"continuous\"",
    ]);
  });

  it('fails on a one-way multisite edge, different bucket names, and sites outside the realm', () => {
    expect(
      problems({
        realms: [{ name: 'r', zoneGroup: 'zg' }],
        sites: [ceph('a', { realm: 'r' }), ceph('b', { realm: 'r', buckets: ['other'] }), ceph('c')],
        edges: [
          edge({ name: 'ab', from: 'a/data', to: 'b/other' }),
          edge({ name: 'ac', from: 'a/data', to: 'c/data', direction: 'two-way', mechanism: 'multisite' }),
        ],
      }),
    ).toEqual([
      "'edges[0].to' must be the same bucket name as from: multisite zone sync mirrors each bucket under its own name, got \"b/other\"",
      "'edges[0].direction' must be 'two-way' with multisite: zone sync replicates every bucket of the zone group both ways, got \"one-way\"",
      "'edges[1].mechanism' multisite needs both sites in one realm, got sites a (realm r) and c (realm none), got \"multisite\"",
    ]);
  });

  it('validates schedules as Kubernetes CronJobs do', () => {
    expect(
      problems({
        sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1')],
        edges: [
          edge({ name: 'x', from: 'a/data-af-south-1', to: 'b/data-eu-west-1', mode: 'scheduled', schedule: 'every day' }),
          edge({ name: 'y', from: 'b/data-eu-west-1', to: 'a/data-af-south-1', mode: 'scheduled' }),
        ],
      }),
    ).toEqual([
      "'edges[0].schedule' must be a 5-field cron expression or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly (found 2 fields), got \"every day\"",
      "'edges[1].schedule' must be set when mode is 'scheduled', got undefined",
    ]);
  });
});

describe('resolveTopology: loops', () => {
  const ring = (loopGuard: readonly [boolean, boolean, boolean]): ReplicationTopologyProps => ({
    sites: [ceph('site-a'), ceph('site-b'), aws('aws-af', 'af-south-1')],
    edges: [
      edge({ name: 'a-to-aws', from: 'site-a/data', to: 'aws-af/data-af-south-1', mechanism: 'native', loopGuard: loopGuard[0] }),
      edge({ name: 'aws-to-b', from: 'aws-af/data-af-south-1', to: 'site-b/data', mechanism: 'native', loopGuard: loopGuard[1] }),
      edge({ name: 'b-to-a', from: 'site-b/data', to: 'site-a/data', mechanism: 'native', loopGuard: loopGuard[2] }),
    ],
  });

  it('fails on a three-site loop no mechanism guards, listing the cycle', () => {
    expect(problems(ring([false, false, false]))).toEqual([
      "'edges' must not form a loop that no mechanism on it guards: site-a/data -(a-to-aws, native)-> aws-af/data-af-south-1 -(aws-to-b, native)-> site-b/data -(b-to-a, native)-> site-a/data, got [\"a-to-aws\",\"aws-to-b\",\"b-to-a\"]",
    ]);
  });

  it('accepts the same loop when one edge enforces its principal-id guard, and records the guard', () => {
    const topology = resolveTopology('T', ring([false, true, false]));
    expect(topology.guardedLoops.map((loop) => loop.guard)).toEqual([
      "edge 'aws-to-b' (native) does not forward what edge 'a-to-aws' (native) writes into aws-af/data-af-south-1: principal-id loop guard",
    ]);
  });

  it("accepts a three-region CRR ring: S3 never replicates a replica", () => {
    const topology = resolveTopology('T', {
      sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1'), aws('c', 'us-east-1')],
      edges: [
        edge({ name: 'ab', from: 'a/data-af-south-1', to: 'b/data-eu-west-1' }),
        edge({ name: 'bc', from: 'b/data-eu-west-1', to: 'c/data-us-east-1' }),
        edge({ name: 'ca', from: 'c/data-us-east-1', to: 'a/data-af-south-1' }),
      ],
    });
    expect(topology.guardedLoops).toHaveLength(1);
    expect(topology.guardedLoops[0]?.guard).toContain('S3 never replicates a replica');
  });

  it('fails on a two-way replicator edge without its loop guard', () => {
    expect(
      problems({
        sites: [ceph('site-a'), aws('aws-af', 'af-south-1')],
        edges: [edge({ name: 'x', from: 'site-a/data', to: 'aws-af/data-af-south-1', direction: 'two-way', loopGuard: false })],
      }),
    ).toEqual([
      "'edges' must not form a loop that no mechanism on it guards: site-a/data -(x, camel)-> aws-af/data-af-south-1 -(x, camel)-> site-a/data, got [\"x\"]",
    ]);
  });

  it("finds the runbook topology's two loops guarded by multisite and the principal-id guard", () => {
    const topology = resolveTopology('T', rciisTopology);
    expect(topology.guardedLoops.map((loop) => loop.guard.split(': ').pop())).toEqual([
      'zone sync never re-syncs a synced change',
      'principal-id loop guard',
    ]);
  });
});

describe('resolveTopology: contradictions', () => {
  it('fails when two continuous edges write the same keys into one bucket', () => {
    expect(
      problems({
        sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1'), aws('c', 'us-east-1')],
        edges: [
          edge({ name: 'ac', from: 'a/data-af-south-1', to: 'c/data-us-east-1', prefix: 'logs/' }),
          edge({ name: 'bc', from: 'b/data-eu-west-1', to: 'c/data-us-east-1', prefix: 'logs/2024/' }),
        ],
      }),
    ).toEqual([
      "'edges' must not have two continuous edges writing the same keys into one bucket: 'ac' and 'bc' both write c/data-us-east-1 (prefixes \"logs/\" and \"logs/2024/\"), got [\"ac\",\"bc\"]",
    ]);
  });

  it('accepts two writers of disjoint prefixes', () => {
    expect(() =>
      resolveTopology('T', {
        sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1'), aws('c', 'us-east-1')],
        edges: [
          edge({ name: 'ac', from: 'a/data-af-south-1', to: 'c/data-us-east-1', prefix: 'af/' }),
          edge({ name: 'bc', from: 'b/data-eu-west-1', to: 'c/data-us-east-1', prefix: 'eu/' }),
        ],
      }),
    ).not.toThrow();
  });

  it('fails on a two-way scheduled edge when deletes must survive', () => {
    expect(
      problems({
        sites: [ceph('site-a'), aws('aws-af', 'af-south-1')],
        edges: [
          edge({
            name: 'nightly',
            from: 'site-a/data',
            to: 'aws-af/data-af-south-1',
            direction: 'two-way',
            mode: 'scheduled',
            schedule: '@daily',
            mustSurvive: ['deletes'],
          }),
        ],
      }),
    ).toEqual([
      "'edges[0].direction' must be 'one-way' when deletes must survive: bucket-sync cannot carry deletes in both directions (a scheduled mirror cannot tell a delete on one side from a new object on the other), got \"two-way\"",
    ]);
  });

  it('turns accepted two-way scheduled deletes into a warning', () => {
    const topology = resolveTopology('T', {
      sites: [ceph('site-a'), aws('aws-af', 'af-south-1')],
      edges: [
        edge({
          name: 'nightly',
          from: 'site-a/data',
          to: 'aws-af/data-af-south-1',
          direction: 'two-way',
          mode: 'scheduled',
          schedule: '@daily',
          mustSurvive: ['deletes'],
          accept: ['deletes'],
        }),
      ],
    });
    expect(topology.edges[0]?.warnings).toEqual(['accepted: deletes do not survive both directions of bucket-sync']);
  });

  it('lets the native replicator write into an EdgeFS site one way, but not read from it', () => {
    const sites: SiteProps[] = [ceph('site-a'), { kind: 'edgefs', name: 'edgefs', endpoint: 'https://s3x.example.com', buckets: ['bk1'] }];
    expect(resolveTopology('T', { sites, edges: [edge({ name: 'x', from: 'site-a/data', to: 'edgefs/bk1', mechanism: 'native' })] }).edges[0]?.mechanism).toBe('native');
    expect(problems({ sites, edges: [edge({ name: 'x', from: 'site-a/data', to: 'edgefs/bk1', mechanism: 'native', direction: 'two-way' })] })).toEqual([
      "'edges[0].mechanism' native needs S3 event notifications from its source (Ceph or AWS sites), not ceph -> edgefs two-way, got \"native\"",
    ]);
  });

  it('fails on a residency edge into a region outside the allowed list, and without a list', () => {
    expect(
      problems({
        sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1')],
        allowedRegions: ['af-south-1'],
        edges: [
          edge({ name: 'copy', from: 'a/data-af-south-1', to: 'b/data-eu-west-1', purpose: 'residency' }),
        ],
      }),
    ).toEqual([
      "'edges[0].to' must stay in the allowed regions [\"af-south-1\"] of residency edge 'copy': b/data-eu-west-1 is in eu-west-1, got \"b/data-eu-west-1\"",
    ]);
    expect(
      problems({
        sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1')],
        edges: [edge({ name: 'copy', from: 'a/data-af-south-1', to: 'b/data-eu-west-1', purpose: 'residency' })],
      }),
    ).toEqual(["'edges[0].allowedRegions' must be set (or the topology's allowedRegions) for a residency edge, got undefined"]);
  });

  it('checks both ends of a two-way residency edge, and refuses a site whose region is undeclared', () => {
    expect(
      problems({
        sites: [aws('a', 'af-south-1'), ceph('site-a', { region: 'za' }), ceph('site-b')],
        allowedRegions: ['af-south-1'],
        edges: [
          edge({ name: 'copy', from: 'site-a/data', to: 'a/data-af-south-1', purpose: 'residency', direction: 'two-way' }),
          edge({ name: 'local', from: 'a/data-af-south-1', to: 'site-b/data', purpose: 'residency', mode: 'scheduled', schedule: '@daily' }),
        ],
      }),
    ).toEqual([
      "'edges[0].to' must stay in the allowed regions [\"af-south-1\"] of residency edge 'copy': site-a/data is in za, got \"site-a/data\"",
      "'edges[1].to' must stay in the allowed regions [\"af-south-1\"] of residency edge 'local': site-b/data is in an undeclared region, got \"site-b/data\"",
    ]);
  });

  it('accepts a residency edge into an allowed region', () => {
    const topology = resolveTopology('T', {
      sites: [aws('a', 'af-south-1'), aws('b', 'eu-west-1')],
      edges: [
        edge({ name: 'copy', from: 'a/data-af-south-1', to: 'b/data-eu-west-1', purpose: 'residency', allowedRegions: ['eu-west-1'] }),
      ],
    });
    expect(topology.edges[0]?.purpose).toBe('residency');
  });
});

describe('resolveTopology: fidelity', () => {
  const demand = (extra: Partial<TopologyEdgeProps>): ReplicationTopologyProps => ({
    sites: [ceph('site-a'), aws('aws-af', 'af-south-1')],
    edges: [edge({ name: 'x', from: 'site-a/data', to: 'aws-af/data-af-south-1', ...extra })],
  });

  it('fails on a demand the mechanism cannot meet', () => {
    expect(problems(demand({ mustSurvive: ['versions', 'tags'] }))).toEqual([
      "'edges[0].mustSurvive' asks for versions, which camel does not keep (copies the current object; older versions are not carried); accept it with 'accept' or choose another mechanism, got \"versions\"",
      "'edges[0].mustSurvive' asks for tags, which camel does not keep (the routes copy bodies, not tag sets); accept it with 'accept' or choose another mechanism, got \"tags\"",
    ]);
  });

  it('turns an accepted gap into a report warning', () => {
    const topology = resolveTopology('T', demand({ mustSurvive: ['versions'], accept: ['versions'] }));
    expect(topology.edges[0]?.warnings).toEqual([
      'accepted: versions do not survive camel (copies the current object; older versions are not carried)',
    ]);
  });

  it("warns when CRR keeps deletes only partly (version deletes never replicate)", () => {
    const topology = resolveTopology('T', rciisTopology);
    expect(topology.edges.find((e) => e.name === 'aws-regions')?.warnings).toEqual([
      'deletes survive only partly: delete markers replicate (not on tag-filtered rules); deleting a specific version never replicates',
    ]);
  });

  it('refuses accept entries that are not demands', () => {
    expect(problems(demand({ accept: ['tags'] }))).toEqual(["'edges[0].accept' must only list demands of mustSurvive, got \"tags\""]);
  });
});

describe('resolveTopology: what the constructs can express', () => {
  it('fails on a prefix a cosmos ingestion or a bucket-sync location cannot carry', () => {
    expect(
      problems({
        sites: [aws('a', 'af-south-1'), { kind: 'zenko', name: 'zenko', endpoint: 'https://zenko.example.com', buckets: ['mirror'] }, ceph('site-a')],
        edges: [
          edge({ name: 'ingest', from: 'a/data-af-south-1', to: 'zenko/mirror', mode: 'scheduled', schedule: '@hourly', prefix: 'logs/' }),
          edge({ name: 'nightly', from: 'site-a/data', to: 'a/data-af-south-1', mode: 'scheduled', schedule: '@daily', prefix: 'logs-2024' }),
        ],
      }),
    ).toEqual([
      "'edges[0].prefix' must be empty with cosmos: a Cosmos ingestion mirrors the whole AWS bucket, got \"logs/\"",
      "'edges[1].prefix' must end with '/' (and not start with one) with bucket-sync: a sync location names a folder, bucket/prefix/, got \"logs-2024\"",
    ]);
  });

  it('fails when sites sharing a GitOps folder name different clusters', () => {
    expect(
      problems({
        sites: [ceph('site-a', { kubeContext: 'onprem-a', gitopsPath: 'clusters/a' }), ceph('onprem', { kubeContext: 'onprem-b', gitopsPath: 'clusters/a' }), aws('aws-af', 'af-south-1')],
        edges: [edge({ name: 'x', from: 'onprem/data', to: 'aws-af/data-af-south-1' })],
      }),
    ).toEqual([
      "'sites[1].kubeContext' must equal site site-a's (onprem-a): both write the GitOps folder clusters/a, which one cluster applies, got \"onprem-b\"",
    ]);
  });
});

describe('resolveTopology: sites', () => {
  it('gathers every bad site prop and bucket reference at once', () => {
    expect(
      problems({
        realms: [{ name: 'r', zoneGroup: 'zg' }],
        sites: [
          { kind: 'aws', name: 'aws', accountId: '123', region: 'mars', buckets: ['b1b'] },
          ceph('a', { realm: 'r' }),
          ceph('b', { realm: 'r', objectStoreName: 'other', master: true }),
          ceph('c', { realm: 'nope', endpoint: 'rgw' }),
        ],
        edges: [edge({ name: 'x', from: 'a/data', to: 'q/data', direction: 'two-way' })],
      }),
    ).toEqual([
      "'sites[0].accountId' must be a 12-digit AWS account id, got \"123\"",
      "'sites[0].region' must be an AWS region such as af-south-1, got \"mars\"",
      "'sites[3].endpoint' must be an http(s) URL, got \"rgw\"",
      "'sites[3].realm' must name one of realms[].name, got \"nope\"",
      "'realms[0]' must have the same objectStoreName on every site (CephMultisite renders one store name), got [\"store\",\"other\"]",
      "'edges[0].to' must name a bucket of a site as '<site>/<bucket>', got \"q/data\"",
    ]);
  });
});
