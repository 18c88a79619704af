import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  type ClusterManifests,
  type GitOpsFile,
  type GitOpsOrderingProps,
  type GitOpsStage,
  type ManifestObject,
  type ReplicationTopologyProps,
  type ResolvedEdge,
  type ResolvedSite,
  type ResolvedTopology,
  type StageManifests,
  type TopologyArc,
  type TopologyBucket,
  type FluxHealthCheckRef,
  type CamelReplicatorProps,
  type CamelReplicatorCephProps,
  type CamelReplicatorAwsProps,
  GITOPS_STAGES,
  Problems,
  ValidationError,
  describeCycle,
  gitopsFiles,
  guardBetween,
  replicatorQueueNames,
  resolveTopology,
  topologyMarkdown,
  topologyMermaid,
  topologyReportJson,
  topologySvg,
} from '../model';
import { BucketSyncPolicy, type BucketSyncEnvVar, type BucketSyncIdentity, type BucketSyncPolicyProps } from './bucket-sync-policy';
import { CamelReplicator } from './camel-replicator';
import { CephMultisite, type CephMultisiteProps, type CephMultisiteZoneProps } from './ceph-multisite';
import { CosmosLocation, type CosmosLocationProps } from './cosmos-location';
import { S3XService, type S3XServiceProps } from './s3x-service';

/** Stage of each Rook multisite kind in the runbook's apply order. */
const STAGE_OF_KIND: Readonly<Record<string, GitOpsStage>> = {
  CephObjectRealm: 'realm',
  CephObjectZoneGroup: 'realm',
  CephObjectZone: 'zones',
  CephObjectStore: 'stores',
  Ingress: 'stores',
};

/** The Secret CamelReplicatorAws writes the replicator's IAM keys into (`onPremSecret` / `awsClusterSecret`). */
const AWS_KEYS_SECRET = 'aws-s3-credentials';

/** Realm-wide CephMultisite settings the topology does not carry. */
export type TopologyMultisiteProps = Omit<CephMultisiteProps, 'realmName' | 'zoneGroupName' | 'objectStoreName' | 'zones' | 'namespace'>;

/** Zone settings of one Ceph site; the name, master flag and endpoint come from the site. */
export type TopologyZoneProps = Omit<CephMultisiteZoneProps, 'name' | 'master'>;

/**
 * CamelReplicator settings of one camel edge that the topology does not carry. The topology sets
 * the bucket pair and its prefix, the directions, the Ceph store, namespace and external endpoint
 * of the Ceph site, and the AWS region of the AWS site.
 */
export interface TopologyCamelProps extends Omit<CamelReplicatorProps, 'buckets' | 'directions' | 'ceph' | 'aws' | 'engine'> {
  /**
   * Ceph settings beyond the site's (user, the Ceph keys' Secret on the AWS cluster, notification filter).
   * @default - CamelReplicator's defaults; the notification filter's prefix is the edge's prefix
   */
  readonly ceph?: Omit<CamelReplicatorCephProps, 'objectStoreName' | 'objectStoreNamespace' | 'externalEndpoint'>;
  /**
   * AWS settings beyond the site's region (and, for native edges, its account id).
   * @default - the queues `<edge>-events` and `<edge>-dlq` (as the Pulumi side names them), the IAM
   * keys from the Secret `aws-s3-credentials` (keys `access-key`, `secret-key`, as the Pulumi side's
   * `onPremSecret` / `awsClusterSecret` write them) on both clusters
   */
  readonly aws?: Omit<CamelReplicatorAwsProps, 'region' | 'accountId'>;
  /**
   * Provision the Ceph bucket through an ObjectBucketClaim of this StorageClass (Rook binds the
   * bucket notification only to claimed buckets).
   * @default - no claim: the bucket exists already
   * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-notifications/
   */
  readonly claimStorageClassName?: string;
}

/**
 * BucketSyncPolicy settings of one (one-way) bucket-sync edge that the topology does not carry.
 * The topology sets the name (the edge's), both locations with the edge's prefix, the schedule,
 * the mode, and each end's `TYPE`, `PROVIDER`, `ENDPOINT` and `REGION` from its site. It always runs
 * bucketbridge's engine: the bucket-sync controller's resource (`implementation: 'controller'`) has
 * no `mode`, so the topology could not make an edge copy instead of sync, and takes none of the
 * engine's bucket Leases.
 */
export interface TopologyBucketSyncProps
  extends Omit<
    BucketSyncPolicyProps,
    'name' | 'source' | 'destination' | 'schedule' | 'mode' | 'sourceEnv' | 'destinationEnv' | 'sourceIdentity' | 'destinationIdentity' | 'implementation'
  > {
  /**
   * Which end's cluster runs the CronJob.
   * @default 'from'
   */
  readonly runOn?: 'from' | 'to';
  /**
   * rclone options of the edge's `from` end beyond the site's (credentials by Secret reference,
   * e.g. `ACCESS_KEY_ID` from a `secretKeyRef`); an entry replaces the derived one of the same name.
   * @default - the site's TYPE, PROVIDER, ENDPOINT / REGION only
   * @see https://rclone.org/s3/#standard-options
   */
  readonly fromEnv?: readonly BucketSyncEnvVar[];
  /** The same for the `to` end. @default - the site's TYPE, PROVIDER, ENDPOINT / REGION only */
  readonly toEnv?: readonly BucketSyncEnvVar[];
  /** Cloud identity of the `from` end instead of keys. @default - keys from fromEnv */
  readonly fromIdentity?: BucketSyncIdentity;
  /** Cloud identity of the `to` end instead of keys. @default - keys from toEnv */
  readonly toIdentity?: BucketSyncIdentity;
}

/**
 * CosmosLocation settings of one cosmos edge that the topology does not carry. The topology sets
 * the source bucket and region (the AWS site), the destination bucket, the namespace (the Zenko
 * site's) and the schedule.
 */
export interface TopologyCosmosProps extends Omit<CosmosLocationProps, 'locationName' | 'namespace' | 'schedule' | 'source' | 'destination'> {
  /**
   * The Zenko location name.
   * @default - the edge name
   */
  readonly locationName?: string;
  /** @default - rclone's AWS endpoint, the location's Secret */
  readonly source?: Omit<CosmosLocationProps['source'], 'bucket' | 'region'>;
  /** @default - the in-cluster CloudServer and the Zenko ingestion Secret */
  readonly destination?: Omit<CosmosLocationProps['destination'], 'bucket'>;
}

/** S3XService settings of one EdgeFS site; the namespace is the site's. */
export type TopologyS3XProps = Omit<S3XServiceProps, 'namespace'>;

export interface ReplicationTopologyConstructProps extends ReplicationTopologyProps {
  /**
   * How the GitOps folders order their stages: Flux Kustomizations with `dependsOn`, or Argo CD
   * Applications with sync waves.
   * @default { tool: 'flux' }
   * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#dependencies
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
   */
  readonly gitops?: GitOpsOrderingProps;
  /**
   * CephMultisite settings per realm name (sync tuning, default realm, client store name).
   * @default - CephMultisite's defaults
   */
  readonly multisite?: Readonly<Record<string, TopologyMultisiteProps>>;
  /**
   * Zone settings per Ceph site name (pools, gateway, Ingress). Without `endpoints` or `ingress`,
   * the zone's endpoint is the site's `endpoint`.
   * @default - the site's endpoint, CephMultisite's defaults for the rest
   */
  readonly zones?: Readonly<Record<string, TopologyZoneProps>>;
  /**
   * CamelReplicator settings per camel or native edge name: Kafka, credentials by Secret reference,
   * the loop guard's `awsPrincipalId` (the Pulumi side's `replicatorPrincipalIds` output), the
   * native engine's `native.image`, resources, alerts.
   * @default - CamelReplicator's defaults (a two-way edge then fails for want of `kafka` and `loopGuard.awsPrincipalId`)
   */
  readonly camel?: Readonly<Record<string, TopologyCamelProps>>;
  /**
   * BucketSyncPolicy settings per bucket-sync edge name: the image, credentials, tuning.
   * @default - BucketSyncPolicy's defaults (the image is required)
   */
  readonly bucketSync?: Readonly<Record<string, TopologyBucketSyncProps>>;
  /**
   * CosmosLocation settings per cosmos edge name.
   * @default - CosmosLocation's defaults
   */
  readonly cosmos?: Readonly<Record<string, TopologyCosmosProps>>;
  /**
   * An S3XService per EdgeFS site name, rendered in the site's `stores` stage.
   * @default - none: the EdgeFS sites' S3X services exist already
   */
  readonly s3x?: Readonly<Record<string, TopologyS3XProps>>;
  /**
   * Edges rendered by another program: they still count in every check and in the report, but
   * render nothing here.
   * @default - every edge renders
   */
  readonly exclude?: readonly string[];
  /**
   * Folder with the operators' CRDs (Rook, Camel K, ...) per GitOps folder; its stage is applied
   * first and every other stage waits for it.
   * @default - no CRD stage
   */
  readonly crdsPaths?: Readonly<Record<string, string>>;
}

/** A chart the topology rendered, where it goes, and what put it there. */
interface PlacedChart {
  readonly chart: Chart;
  readonly site: ResolvedSite;
  /** The stage of every object, or undefined to stage Rook multisite objects by kind. */
  readonly stage?: GitOpsStage;
  /** What rendered it, for messages: `edge 'x'`, `realm 'y'`, `site 'z'`. */
  readonly origin: string;
  readonly healthChecks?: readonly FluxHealthCheckRef[];
}

/**
 * One declaration of sites, buckets and replication intents. Picks each edge's mechanism, checks
 * the whole graph (loops, contradictions, fidelity) at construct time, and renders the Kubernetes
 * side through the existing constructs: one CephMultisite per realm, a CamelReplicator per camel
 * edge (its on-prem chart in the Ceph site's folder, its AWS chart in the AWS site's), a
 * BucketSyncPolicy per direction of a bucket-sync edge, a CosmosLocation per cosmos edge, and an
 * S3XService per EdgeFS site given in `s3x`. Writes per-cluster GitOps folders and the report. The
 * AWS side comes from the Pulumi `ReplicationTopology` component with the same declaration.
 */
export class ReplicationTopology extends Construct {
  readonly topology: ResolvedTopology;
  /** The CephMultisite of each realm with multisite edges, by realm name. */
  readonly multisites: ReadonlyMap<string, CephMultisite>;
  /** The CamelReplicator of each camel or native edge, by edge name. */
  readonly replicators: ReadonlyMap<string, CamelReplicator>;
  /** The BucketSyncPolicy of each bucket-sync edge, by edge name. */
  readonly bucketSyncPolicies: ReadonlyMap<string, BucketSyncPolicy>;
  /** The CosmosLocation of each cosmos edge, by edge name. */
  readonly cosmosLocations: ReadonlyMap<string, CosmosLocation>;
  /** The S3XService of each EdgeFS site in `s3x`, by site name. */
  readonly s3xServices: ReadonlyMap<string, S3XService>;
  private readonly gitops: GitOpsOrderingProps;
  private readonly crdsPaths: Readonly<Record<string, string>>;
  private readonly placed: PlacedChart[] = [];
  private readonly syncs: SyncPlacement[] = [];
  private readonly layout: ClusterManifests[];

  constructor(scope: Construct, id: string, props: ReplicationTopologyConstructProps) {
    super(scope, id);
    this.topology = resolveTopology(this.node.path, props);
    this.gitops = props.gitops ?? { tool: 'flux' };
    this.crdsPaths = props.crdsPaths ?? {};

    const problems = new Problems(this.node.path);
    const exclude = new Set(props.exclude ?? []);
    (props.exclude ?? []).forEach((name, index) => {
      problems.check(this.topology.edges.some((edge) => edge.name === name), `exclude[${index}]`, 'must name an edge', name);
    });
    const siteOfKind = (prop: string, names: readonly string[], kind: ResolvedSite['kind']) => {
      for (const name of names) {
        problems.check(this.topology.sites.some((s) => s.name === name && s.kind === kind), `${prop}.${name}`, `must name ${A_SITE_OF_KIND[kind]} site`, name);
      }
    };
    siteOfKind('zones', Object.keys(props.zones ?? {}), 'ceph');
    siteOfKind('s3x', Object.keys(props.s3x ?? {}), 'edgefs');
    for (const path of Object.keys(props.crdsPaths ?? {})) {
      problems.check(this.topology.sites.some((site) => site.gitopsPath === path), `crdsPaths.${path}`, "must name a site's gitopsPath", path);
    }
    for (const name of Object.keys(props.multisite ?? {})) {
      problems.check(this.topology.realms.some((realm) => realm.name === name), `multisite.${name}`, 'must name a realm', name);
    }
    for (const [prop, mechanisms, settings] of [
      ['camel', ['camel', 'native'], props.camel],
      ['bucketSync', ['bucket-sync'], props.bucketSync],
      ['cosmos', ['cosmos'], props.cosmos],
    ] as const) {
      for (const name of Object.keys(settings ?? {})) {
        const edge = this.topology.edges.find((e) => e.name === name);
        const fits = edge !== undefined && (mechanisms as readonly string[]).includes(edge.mechanism);
        problems.check(fits, `${prop}.${name}`, `must name a ${mechanisms.join(' or ')} edge`, name);
      }
    }
    const rendered = this.topology.edges.filter((edge) => !exclude.has(edge.name));
    // CamelReplicator adds its charts `<id>-on-prem` and `<id>-aws` beside itself, among the edges' constructs.
    const chartIds = new Map<string, string>(
      rendered
        .filter((edge) => edge.mechanism === 'camel' || edge.mechanism === 'native')
        .flatMap((edge): [string, string][] => [[`${edge.name}-on-prem`, edge.name], [`${edge.name}-aws`, edge.name]]),
    );
    for (const edge of rendered) {
      const owner = chartIds.get(edge.name);
      if (owner !== undefined) {
        problems.add(`edges[${edge.index}].name`, `must not name a chart of the CamelReplicator of edge '${owner}' (<edge>-on-prem, <edge>-aws)`, edge.name);
      }
    }
    for (const edge of rendered) {
      const kinds = [edge.from.site.kind, edge.to.site.kind].sort().join(' <-> ');
      if (edge.mechanism === 'native' && kinds !== 'aws <-> ceph') {
        problems.add(
          `edges[${edge.index}].mechanism`,
          `native is rendered only between a Ceph and an AWS site (CamelReplicator with the native engine), not ${edge.from.site.kind} -> ${edge.to.site.kind} for edge '${edge.name}'; render the edge elsewhere and list it in 'exclude'`,
          edge.mechanism,
        );
      }
      if (edge.mechanism === 'bucket-sync' && edge.direction === 'two-way') {
        problems.add(
          `edges[${edge.index}].direction`,
          "must be 'one-way' to render with BucketSyncPolicy: it copies whatever differs from source to destination, so one direction's run would overwrite every change the other side made to a key both hold (it cannot tell which copy is newer); declare one-way edges on disjoint prefixes, or use a continuous replicator",
          edge.direction,
        );
      }
      if ((edge.mechanism === 'camel' || edge.mechanism === 'native') && !edge.loopGuard) {
        problems.add(
          `edges[${edge.index}].loopGuard`,
          `must stay true with ${edge.mechanism}: CamelReplicator always skips the other direction's writes by userIdentity.principalId`,
          edge.loopGuard,
        );
      }
    }
    problems.throwIfAny();

    this.multisites = this.renderMultisites(problems, props, rendered);
    const edgesScope = new Construct(this, 'edges');
    const replicators = new Map<string, CamelReplicator>();
    const policies = new Map<string, BucketSyncPolicy>();
    const locations = new Map<string, CosmosLocation>();
    for (const edge of rendered) {
      // The composed constructs check their own props; their problems are gathered under the
      // topology prop that feeds them, and thrown with the rest.
      const prop = { multisite: 'multisite', crr: 'crr', camel: 'camel', native: 'camel', 'bucket-sync': 'bucketSync', cosmos: 'cosmos' }[edge.mechanism];
      composing(problems, `${prop}.${edge.name}`, () => {
        if (edge.mechanism === 'camel' || edge.mechanism === 'native') replicators.set(edge.name, this.renderCamel(edgesScope, edge, props.camel?.[edge.name] ?? {}));
        if (edge.mechanism === 'bucket-sync') policies.set(edge.name, this.renderBucketSync(edgesScope, edge, props.bucketSync?.[edge.name] ?? {}));
        if (edge.mechanism === 'cosmos') locations.set(edge.name, this.renderCosmos(edgesScope, edge, props.cosmos?.[edge.name] ?? {}));
      });
    }
    this.replicators = replicators;
    this.bucketSyncPolicies = policies;
    this.cosmosLocations = locations;
    const s3xServices = new Map<string, S3XService>();
    const sitesScope = new Construct(this, 'sites');
    for (const [name, s3x] of Object.entries(props.s3x ?? {})) {
      const site = this.topology.sites.find((s) => s.name === name);
      if (site?.props.kind !== 'edgefs') continue;
      const namespace = site.props.namespace ?? 'rook-edgefs';
      composing(problems, `s3x.${name}`, () => {
        const chart = new Chart(sitesScope, name, { namespace });
        s3xServices.set(name, new S3XService(chart, 's3x', { ...s3x, namespace }));
        this.placed.push({ chart, site, stage: 'stores', origin: `site '${name}'` });
      });
    }
    this.s3xServices = s3xServices;
    checkBucketLocks(problems, this.syncs);
    checkPrincipalGuards(problems, this.topology, replicators);
    checkKafkaTopics(problems, replicators);
    problems.throwIfAny();
    this.layout = this.arrange(problems);
    problems.throwIfAny();
  }

  private renderMultisites(problems: Problems, props: ReplicationTopologyConstructProps, rendered: readonly ResolvedEdge[]): Map<string, CephMultisite> {
    const multisites = new Map<string, CephMultisite>();
    const realms = new Set(rendered.filter((edge) => edge.mechanism === 'multisite').map((edge) => {
      const site = edge.from.site.props;
      return site.kind === 'ceph' ? (site.realm ?? '') : '';
    }));
    for (const realm of this.topology.realms.filter((r) => realms.has(r.name))) {
      const members = this.topology.sites.filter((site) => site.props.kind === 'ceph' && site.props.realm === realm.name);
      const first = members[0]?.props;
      if (first?.kind !== 'ceph') continue;
      const zones = members.flatMap((member): CephMultisiteZoneProps[] => {
        const site = member.props;
        if (site.kind !== 'ceph') return [];
        const extra = props.zones?.[site.name] ?? {};
        const endpoints = extra.endpoints ?? (extra.ingress ? undefined : [site.endpoint]);
        return [{ name: site.name, ...(site.master !== undefined ? { master: site.master } : {}), ...extra, ...(endpoints ? { endpoints } : {}) }];
      });
      // CephMultisite names zone props by their index in `zones`, in the order of the realm's sites.
      composing(problems, `multisite.${realm.name}`, () => {
        const multisite = new CephMultisite(this, realm.name, {
          ...props.multisite?.[realm.name],
          realmName: realm.name,
          zoneGroupName: realm.zoneGroup,
          objectStoreName: first.objectStoreName,
          namespace: first.namespace ?? 'rook-ceph',
          zones,
        });
        multisites.set(realm.name, multisite);
        for (const site of members) {
          this.placed.push({
            chart: multisite.chart(site.name),
            site,
            origin: `realm '${realm.name}'`,
            healthChecks: multisite.fluxHealthChecks(site.name),
          });
        }
      });
    }
    return multisites;
  }

  /** A CamelReplicator for a Ceph <-> AWS edge (camel or native engine): on-prem chart to the Ceph site, AWS chart to the AWS site. */
  private renderCamel(scope: Construct, edge: ResolvedEdge, extra: TopologyCamelProps): CamelReplicator {
    const { ceph, aws } = cephAndAws(edge);
    const replicator = new CamelReplicator(scope, edge.name, camelReplicatorProps(edge, extra));
    if (replicator.onPremChart) this.placed.push({ chart: replicator.onPremChart, site: ceph.site, stage: 'replicators', origin: `edge '${edge.name}'` });
    if (replicator.awsChart) this.placed.push({ chart: replicator.awsChart, site: aws.site, stage: 'replicators', origin: `edge '${edge.name}'` });
    return replicator;
  }

  /** A BucketSyncPolicy on the cluster of the edge's `runOn` end. */
  private renderBucketSync(scope: Construct, edge: ResolvedEdge, extra: TopologyBucketSyncProps): BucketSyncPolicy {
    const { runOn: site, policy: props } = bucketSyncPolicyProps(edge, extra);
    const chart = new Chart(scope, edge.name, { namespace: extra.namespace ?? DEFAULT_REPLICATOR_NAMESPACE });
    const policy = new BucketSyncPolicy(chart, 'policy', props);
    this.placed.push({ chart, site, stage: 'replicators', origin: `edge '${edge.name}'` });
    const lockNamespace = extra.lockNamespace ?? chart.namespace ?? '';
    this.syncs.push({ edge: edge.name, at: `${site.gitopsPath} (lock namespace ${lockNamespace})`, buckets: [edge.from.ref, edge.to.ref] });
    return policy;
  }

  /** A CosmosLocation on the Zenko site's cluster. */
  private renderCosmos(scope: Construct, edge: ResolvedEdge, extra: TopologyCosmosProps): CosmosLocation {
    const zenko = edge.to.site.props;
    const namespace = zenko.kind === 'zenko' ? (zenko.namespace ?? 'zenko') : 'zenko';
    const chart = new Chart(scope, edge.name, { namespace });
    const location = new CosmosLocation(chart, 'location', cosmosLocationProps(edge, extra));
    this.placed.push({ chart, site: edge.to.site, stage: 'replicators', origin: `edge '${edge.name}'` });
    return location;
  }

  /** Sorts every rendered object into its folder and stage; two objects with one identity in a folder are an error. */
  private arrange(problems: Problems): ClusterManifests[] {
    const byPath = new Map<string, { namespace: string; destinationName: string; stages: Map<GitOpsStage, StageManifests>; owners: Map<string, string> }>();
    for (const placed of this.placed) {
      const { site } = placed;
      const objects = placed.chart.toJson() as ManifestObject[];
      const entry = byPath.get(site.gitopsPath) ?? {
        namespace: placed.chart.namespace ?? 'default',
        destinationName: site.kubeContext ?? site.name,
        stages: new Map<GitOpsStage, StageManifests>(),
        owners: new Map<string, string>(),
      };
      byPath.set(site.gitopsPath, entry);
      for (const object of objects) {
        const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
        const identity = `${String(object.apiVersion).split('/')[0]} ${String(object.kind)} ${metadata.namespace ?? entry.namespace}/${metadata.name ?? ''}`;
        const owner = entry.owners.get(identity);
        if (owner !== undefined && owner !== placed.origin) {
          problems.add(
            'edges',
            `must not render one object twice into ${site.gitopsPath}: ${owner} and ${placed.origin} both render ${String(object.kind)} ${metadata.namespace ?? entry.namespace}/${metadata.name ?? ''} (give one a namespace or names of its own)`,
            [owner, placed.origin],
          );
        }
        entry.owners.set(identity, placed.origin);
        const stage = placed.stage ?? STAGE_OF_KIND[String(object.kind)];
        if (!stage) throw new Error(`${this.node.path}: no apply stage for kind ${String(object.kind)}`);
        const current = entry.stages.get(stage) ?? { stage, objects: [], healthChecks: [] };
        const checks = (placed.healthChecks ?? []).filter((c) => c.kind === object.kind && c.name === metadata.name);
        entry.stages.set(stage, { stage, objects: [...current.objects, object], healthChecks: [...(current.healthChecks ?? []), ...checks] });
      }
    }
    return [...byPath.entries()].map(([path, entry]) => ({
      path,
      namespace: entry.namespace,
      destinationName: entry.destinationName,
      stages: [...entry.stages.values()].sort((a, b) => GITOPS_STAGES.indexOf(a.stage) - GITOPS_STAGES.indexOf(b.stage)),
      ...(this.crdsPaths[path] !== undefined ? { crdsPath: this.crdsPaths[path] } : {}),
    }));
  }

  /** Each GitOps folder's stages, from the rendered constructs. */
  clusters(): ClusterManifests[] {
    return this.layout;
  }

  /** Every file of the GitOps folders: stage manifests and ordering objects. */
  gitopsFiles(): GitOpsFile[] {
    return this.clusters().flatMap((cluster) => gitopsFiles(this.node.path, cluster, this.gitops));
  }

  /** The report as Markdown (with the Mermaid diagram). */
  reportMarkdown(title?: string): string {
    return topologyMarkdown(this.topology, title);
  }

  /** The report as JSON. */
  reportJson(): string {
    return topologyReportJson(this.topology);
  }

  /** The diagram as Mermaid source. */
  mermaid(): string {
    return topologyMermaid(this.topology);
  }

  /** The diagram as SVG, rendered without a browser. */
  svg(): string {
    return topologySvg(this.topology);
  }

  /**
   * Writes the GitOps folders (YAML), `topology.md`, `topology.json` and `topology.svg` under
   * `outdir`. Returns the paths written, relative to `outdir`.
   */
  writeTo(outdir: string): string[] {
    const files: [string, string][] = [
      ...this.gitopsFiles().map((file): [string, string] => [file.path, file.objects.map((o) => yaml.dump(o, { noRefs: true })).join('---\n')]),
      ['topology.md', this.reportMarkdown()],
      ['topology.json', this.reportJson()],
      ['topology.svg', this.svg()],
    ];
    for (const [path, text] of files) {
      const target = join(outdir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    return files.map(([path]) => path);
  }
}

/** A site kind with its article, for messages. */
const A_SITE_OF_KIND: Readonly<Record<ResolvedSite['kind'], string>> = { ceph: 'a Ceph', aws: 'an AWS', edgefs: 'an EdgeFS', zenko: 'a Zenko' };

/** Namespace of the replicator objects (CamelReplicator's default, the runbook's). */
const DEFAULT_REPLICATOR_NAMESPACE = 's3-replicator';

/** Runs `render`, turning a composed construct's ValidationError into problems under `prefix`. */
function composing(problems: Problems, prefix: string, render: () => void): void {
  try {
    render();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const problem of error.problems) problems.add(`${prefix}.${problem.prop}`, problem.rule, problem.value);
  }
}

/** The Ceph and the AWS end of a camel edge. */
function cephAndAws(edge: ResolvedEdge): { ceph: TopologyBucket; aws: TopologyBucket } {
  return edge.from.site.kind === 'ceph' ? { ceph: edge.from, aws: edge.to } : { ceph: edge.to, aws: edge.from };
}

/**
 * What the topology's camel or native edge asks of CamelReplicator: the edge's intent mapped onto
 * its props (a native edge runs the native engine, which addresses the queues by the site's account).
 */
export function camelReplicatorProps(edge: ResolvedEdge, extra: TopologyCamelProps = {}): CamelReplicatorProps {
  const { ceph, aws } = cephAndAws(edge);
  const cephSite = ceph.site.props;
  const awsSite = aws.site.props;
  if (cephSite.kind !== 'ceph' || awsSite.kind !== 'aws') throw new Error(`edge '${edge.name}' is not Ceph <-> AWS`);
  const { ceph: cephExtra, aws: awsExtra, claimStorageClassName, ...rest } = extra;
  const directions = edge.direction === 'two-way' ? 'both' : edge.from === ceph ? 'ceph-to-aws' : 'aws-to-ceph';
  const keys = { secretName: AWS_KEYS_SECRET };
  return {
    ...rest,
    ...(edge.mechanism === 'native' ? { engine: 'native' } : {}),
    directions,
    buckets: [
      {
        cephBucket: ceph.name,
        awsBucket: aws.name,
        ...(edge.prefix ? { cephPrefix: edge.prefix, awsPrefix: edge.prefix } : {}),
        ...(claimStorageClassName !== undefined ? { claimStorageClassName } : {}),
      },
    ],
    ceph: {
      ...(edge.prefix ? { notificationFilter: { prefix: edge.prefix } } : {}),
      ...cephExtra,
      objectStoreName: cephSite.objectStoreName,
      objectStoreNamespace: cephSite.namespace ?? 'rook-ceph',
      externalEndpoint: cephSite.endpoint,
    },
    aws: {
      ...replicatorQueueNames(edge.name),
      onPremCredentials: keys,
      clusterIdentity: { kind: 'secret', ...keys, accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key' },
      ...awsExtra,
      region: awsSite.region,
      ...(edge.mechanism === 'native' ? { accountId: awsSite.accountId } : {}),
    },
  };
}

/** rclone options of a site: its type, provider, and endpoint (or region for AWS). */
function siteEnv(site: ResolvedSite): BucketSyncEnvVar[] {
  const props = site.props;
  const provider: Readonly<Record<ResolvedSite['kind'], string>> = { ceph: 'Ceph', aws: 'AWS', edgefs: 'Other', zenko: 'Other' };
  return [
    { name: 'TYPE', value: 's3' },
    { name: 'PROVIDER', value: provider[site.kind] },
    props.kind === 'aws' ? { name: 'REGION', value: props.region } : { name: 'ENDPOINT', value: props.endpoint },
  ];
}

/** `derived` with every entry of `extra` replacing the one of the same name. */
function mergeEnv(derived: readonly BucketSyncEnvVar[], extra: readonly BucketSyncEnvVar[] = []): BucketSyncEnvVar[] {
  const names = new Set(extra.map((e) => e.name));
  return [...derived.filter((e) => !names.has(e.name)), ...extra];
}

/**
 * What the topology's (one-way) bucket-sync edge asks of BucketSyncPolicy, and the site whose
 * cluster runs it. An edge whose deletes must survive syncs (deletes what the source no longer
 * has); any other copies, never deleting.
 */
export function bucketSyncPolicyProps(
  edge: ResolvedEdge,
  extra: TopologyBucketSyncProps = {},
): { readonly runOn: ResolvedSite; readonly policy: BucketSyncPolicyProps } {
  const { runOn, fromEnv, toEnv, fromIdentity, toIdentity, ...rest } = extra;
  return {
    runOn: (runOn ?? 'from') === 'from' ? edge.from.site : edge.to.site,
    policy: {
      ...rest,
      name: edge.name,
      source: `source:${edge.from.name}/${edge.prefix}`,
      destination: `destination:${edge.to.name}/${edge.prefix}`,
      schedule: edge.schedule ?? '',
      mode: edge.mustSurvive.includes('deletes') ? 'sync' : 'copy',
      sourceEnv: mergeEnv(siteEnv(edge.from.site), fromEnv),
      destinationEnv: mergeEnv(siteEnv(edge.to.site), toEnv),
      ...(fromIdentity ? { sourceIdentity: fromIdentity } : {}),
      ...(toIdentity ? { destinationIdentity: toIdentity } : {}),
    },
  };
}

/** What the topology's cosmos edge asks of CosmosLocation. */
export function cosmosLocationProps(edge: ResolvedEdge, extra: TopologyCosmosProps = {}): CosmosLocationProps {
  const aws = edge.from.site.props;
  const zenko = edge.to.site.props;
  if (aws.kind !== 'aws' || zenko.kind !== 'zenko') throw new Error(`edge '${edge.name}' is not AWS -> Zenko`);
  const { locationName, source, destination, ...rest } = extra;
  return {
    ...rest,
    locationName: locationName ?? edge.name,
    namespace: zenko.namespace ?? 'zenko',
    ...(edge.schedule !== undefined ? { schedule: edge.schedule } : {}),
    source: { ...source, bucket: edge.from.name, region: aws.region },
    destination: { ...destination, bucket: edge.to.name },
  };
}

/** Where a bucket-sync edge runs: its folder and lock namespace, and the buckets it syncs. */
interface SyncPlacement {
  readonly edge: string;
  readonly at: string;
  readonly buckets: readonly string[];
}

/**
 * Every bucket-sync edge touching a bucket must run on one cluster and lock namespace: the bucket
 * Leases that keep two syncs of a bucket apart exist per cluster and namespace.
 */
function checkBucketLocks(problems: Problems, syncs: readonly SyncPlacement[]): void {
  const where = new Map<string, SyncPlacement>();
  for (const sync of syncs) {
    for (const bucket of sync.buckets) {
      const seen = where.get(bucket);
      if (seen === undefined) where.set(bucket, sync);
      else if (seen.at !== sync.at) {
        problems.add(
          `bucketSync.${sync.edge}`,
          `must run where edge '${seen.edge}' runs, ${seen.at}, not ${sync.at}: both sync ${bucket}, and bucket Leases keep syncs apart only within one cluster and namespace`,
          sync.at,
        );
      }
    }
  }
}

/**
 * Whether the guard `arc` has against what `previous` wrote holds with the rendered replicators. A
 * principal-id guard between two different replicators holds only if the one forwarding skips the
 * identity the other writes as: at a Ceph bucket its `loopGuard.cephPrincipalId` is the other's
 * Ceph user, at an AWS bucket its `loopGuard.awsPrincipalId` is the other's. Returns why not, or
 * undefined when the guard holds (or is not a principal-id guard, or an edge renders elsewhere).
 */
function principalGuardGap(previous: TopologyArc, arc: TopologyArc, replicators: ReadonlyMap<string, CamelReplicator>): string | undefined {
  const forwarding = replicators.get(arc.edge.name)?.settings;
  const writing = replicators.get(previous.edge.name)?.settings;
  if (previous.edge === arc.edge || !forwarding || !writing) return undefined;
  if (arc.from.site.kind === 'ceph') {
    const skips = forwarding.loopGuard.cephPrincipalId;
    const writes = writing.ceph.userName;
    return skips === writes ? undefined : `edge '${arc.edge.name}' skips Ceph writes of ${skips}, but edge '${previous.edge.name}' writes ${arc.from.ref} as ${writes} (set camel.${arc.edge.name}.loopGuard.cephPrincipalId)`;
  }
  const skips = forwarding.loopGuard.awsPrincipalId;
  const writes = writing.loopGuard.awsPrincipalId;
  return skips !== undefined && skips === writes
    ? undefined
    : `edge '${arc.edge.name}' skips AWS writes of ${skips ?? 'no one'}, but edge '${previous.edge.name}' writes ${arc.from.ref} as ${writes ?? 'an undeclared principal'}`;
}

/** Every loop the model found guarded must keep a guard the rendered replicators enforce. */
function checkPrincipalGuards(problems: Problems, topology: ResolvedTopology, replicators: ReadonlyMap<string, CamelReplicator>): void {
  for (const loop of topology.guardedLoops) {
    const gaps: string[] = [];
    const holds = loop.arcs.some((arc, i) => {
      const previous = loop.arcs[(i + loop.arcs.length - 1) % loop.arcs.length] as TopologyArc;
      if (guardBetween(previous, arc) === undefined) return false;
      const gap = principalGuardGap(previous, arc, replicators);
      if (gap !== undefined) gaps.push(gap);
      return gap === undefined;
    });
    if (!holds) {
      problems.add(
        'edges',
        `must not form a loop whose guards the rendered replicators do not enforce: ${describeCycle(loop.arcs)}: ${gaps.join('; ')}`,
        [...new Set(loop.arcs.map((arc) => arc.edge.name))],
      );
    }
  }
}

/**
 * Each replicator's RGW notifications need a Kafka topic of their own: a replicator consuming
 * another's topic acts on events of buckets of another store (which may share its bucket names),
 * and two in one consumer group split the events between them.
 */
function checkKafkaTopics(problems: Problems, replicators: ReadonlyMap<string, CamelReplicator>): void {
  const seen = new Map<string, string>();
  for (const [edge, replicator] of replicators) {
    const kafka = replicator.settings.kafka;
    if (!replicator.settings.cephToAws || !kafka) continue;
    const key = `${kafka.topic} on ${kafka.bootstrapServers}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, edge);
    else {
      problems.add(
        `camel.${edge}.kafka.topic`,
        `must differ from the topic of edge '${first}' (${key}): each replicator's RGW notifications need a topic of their own, or one replicator acts on the other's events`,
        kafka.topic,
      );
    }
  }
}
