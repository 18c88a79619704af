import { Testing } from 'cdk8s';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { rciisTopology } from '../../examples/topology/rciis';
import { CephMultisite, type CephMultisiteZoneProps } from '../../lib/k8s/ceph-multisite';
import { ReplicationTopology, type ReplicationTopologyConstructProps } from '../../lib/k8s/replication-topology';
import { ManifestValidator, ValidationError, formatManifestProblem, formatProblem, type GitOpsFile } from '../../lib/model';

const zone = (name: string): Omit<CephMultisiteZoneProps, 'name' | 'master'> => ({
  gateway: { instances: 1, port: 80 },
  ingress: { host: `s3.${name}.example.com`, tlsSecretName: 'rgw-tls', className: 'nginx' },
});

const props: ReplicationTopologyConstructProps = {
  ...rciisTopology,
  zones: { 'site-a': zone('site-a'), 'site-b': zone('site-b') },
  multisite: { rciis: { syncTuning: { syncLeasePeriodSeconds: 30 } } },
  exclude: ['ceph-aws'],
};

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
  readonly metadata: { readonly name: string; readonly annotations: Record<string, string> };
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

describe('ReplicationTopology (cdk8s)', () => {
  it('renders the multisite edge exactly as CephMultisite does for the same setup', () => {
    const topology = build();
    const byHand = new CephMultisite(Testing.app(), 'rciis', {
      realmName: 'rciis',
      zoneGroupName: 'rciis-sites',
      objectStoreName: 'multisite-store',
      namespace: 'rook-ceph',
      zones: [
        { name: 'site-a', master: true, ...zone('site-a') },
        { name: 'site-b', ...zone('site-b') },
      ],
      syncTuning: { syncLeasePeriodSeconds: 30 },
    });
    const multisite = topology.multisites.get('rciis');
    expect(multisite).toBeDefined();
    for (const name of ['site-a', 'site-b']) {
      const objects = multisite?.chart(name).toJson() ?? [];
      expect(objects.length).toBeGreaterThan(3);
      expect(objects).toEqual(byHand.chart(name).toJson());
      valid(objects);
    }
  });

  it("uses the site's endpoint as the zone endpoint when the zone has no Ingress", () => {
    const topology = build({ zones: {} });
    const zoneObject = (topology.multisites.get('rciis')?.chart('site-b').toJson() as Json[]).find((o) => o.kind === 'CephObjectZone');
    expect(zoneObject?.spec.customEndpoints).toEqual(['https://s3.site-b.example.com']);
  });

  it('fails naming the edge whose mechanism is not in this build', () => {
    expect(problems({ exclude: [] })).toEqual([
      "'edges[2].mechanism' is not available in this build for edge 'ceph-aws' (it needs CamelReplicator (issue 22)); render the edge elsewhere and list it in 'exclude', got \"camel\"",
    ]);
    expect(problems({ exclude: [], replicator: 'native' })).toEqual([
      "'edges[2].mechanism' is not available in this build for edge 'ceph-aws' (it needs CamelReplicator with the native engine (issues 18 and 22)); render the edge elsewhere and list it in 'exclude', got \"native\"",
    ]);
  });

  it('fails on excluded edges and zone settings that name nothing', () => {
    expect(problems({ exclude: ['ceph-aws', 'nope'], zones: { 'aws-eu-west-1': {} } })).toEqual([
      "'exclude[1]' must name an edge, got \"nope\"",
      "'zones.aws-eu-west-1' must name a Ceph site, got \"aws-eu-west-1\"",
    ]);
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
      'clusters/site-a/flux/ordering.yaml',
      'clusters/site-b/stages/10-realm/manifests.yaml',
      'clusters/site-b/stages/20-zones/manifests.yaml',
      'clusters/site-b/stages/30-stores/manifests.yaml',
      'clusters/site-b/flux/ordering.yaml',
    ]);
    for (const f of files) valid(f.objects);
    expect(file(files, 'clusters/site-b/stages/10-realm/manifests.yaml').map((o) => o.kind)).toEqual(['CephObjectRealm', 'CephObjectZoneGroup']);
    expect(file(files, 'clusters/site-b/stages/20-zones/manifests.yaml').map((o) => o.kind)).toEqual(['CephObjectZone']);
    expect(file(files, 'clusters/site-b/stages/30-stores/manifests.yaml').map((o) => o.kind)).toEqual(['CephObjectStore', 'Ingress']);
  });

  it('chains the Flux Kustomizations with dependsOn in apply order, each pointing at its stage folder', () => {
    const files = build({ crdsPaths: { 'clusters/site-a': 'infrastructure/rook-crds' } }).gitopsFiles();
    const kustomizations = file(files, 'clusters/site-a/flux/ordering.yaml');
    expect(kustomizations.map((k) => [k.metadata.name, k.spec.dependsOn?.[0]?.name, k.spec.path])).toEqual([
      ['clusters-site-a-crds', undefined, './infrastructure/rook-crds'],
      ['clusters-site-a-realm', 'clusters-site-a-crds', './clusters/site-a/stages/10-realm'],
      ['clusters-site-a-zones', 'clusters-site-a-realm', './clusters/site-a/stages/20-zones'],
      ['clusters-site-a-stores', 'clusters-site-a-zones', './clusters/site-a/stages/30-stores'],
    ]);
    const names = new Set(kustomizations.map((k) => k.metadata.name));
    for (const k of kustomizations) for (const dep of k.spec.dependsOn ?? []) expect(names.has(dep.name)).toBe(true);
    const paths = new Set(files.map((f) => `./${f.path.replace(/\/manifests\.yaml$/, '')}`));
    for (const k of kustomizations.slice(1)) expect(paths.has(k.spec.path)).toBe(true);
    const zones = kustomizations.find((k) => k.metadata.name === 'clusters-site-a-zones');
    expect(zones?.spec.healthChecks).toEqual([{ apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectZone', name: 'site-a', namespace: 'rook-ceph' }]);
    expect(zones?.spec.healthCheckExprs.length).toBeGreaterThan(0);
    expect(kustomizations[0]?.spec.wait).toBe(true);
    valid(kustomizations);
  });

  it('orders Argo CD Applications by sync wave, each syncing its stage folder to the site cluster', () => {
    const files = build({ gitops: { tool: 'argocd', repoURL: 'https://git.example.com/platform.git' } }).gitopsFiles();
    const applications = file(files, 'clusters/site-b/argocd/ordering.yaml');
    valid(applications);
    expect(applications.map((a) => [a.metadata.name, a.metadata.annotations['argocd.argoproj.io/sync-wave'], a.spec.source.path])).toEqual([
      ['clusters-site-b-realm', '1', 'clusters/site-b/stages/10-realm'],
      ['clusters-site-b-zones', '2', 'clusters/site-b/stages/20-zones'],
      ['clusters-site-b-stores', '3', 'clusters/site-b/stages/30-stores'],
    ]);
    const folders = new Set(files.map((f) => f.path.replace(/\/manifests\.yaml$/, '')));
    for (const a of applications) {
      expect(folders.has(a.spec.source.path)).toBe(true);
      expect(a.spec.destination).toEqual({ name: 'onprem-b', namespace: 'rook-ceph' });
    }
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
      expect(written).toContain('clusters/site-a/flux/ordering.yaml');
      expect(written.slice(-3)).toEqual(['topology.md', 'topology.json', 'topology.svg']);
      const ordering = yaml.loadAll(readFileSync(join(outdir, 'clusters/site-a/flux/ordering.yaml'), 'utf8')) as Json[];
      expect(ordering.map((o) => o.kind)).toEqual(['Kustomization', 'Kustomization', 'Kustomization']);
      valid(ordering);
      expect(existsSync(join(outdir, 'topology.svg'))).toBe(true);
      expect((JSON.parse(readFileSync(join(outdir, 'topology.json'), 'utf8')) as { edges: unknown[] }).edges).toHaveLength(3);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
