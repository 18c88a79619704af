import { Problems } from './errors';
import { checkCronSchedule } from './schedule';

/**
 * A replication topology as data: sites, their buckets, and edges between buckets with an intent.
 * Resolving it picks the mechanism of every edge, checks the whole graph for loops, contradictions
 * and unmet fidelity demands (one `ValidationError` listing every problem), and returns what the
 * report, the GitOps folders and the constructs are rendered from.
 *
 * The seed runbook's scenario table is the mechanism rule: Ceph <-> Ceph in one realm is RGW
 * multisite, AWS <-> AWS is Cross-Region Replication, Ceph <-> AWS is an event-driven replicator.
 */

/** What a replicated object must keep. */
export type Fidelity = 'deletes' | 'versions' | 'metadata' | 'tags' | 'acls';
export const FIDELITIES: readonly Fidelity[] = ['deletes', 'versions', 'metadata', 'tags', 'acls'];

/** How an edge is carried out. */
export type Mechanism = 'multisite' | 'crr' | 'camel' | 'native' | 'bucket-sync' | 'cosmos';
export const MECHANISMS: readonly Mechanism[] = ['multisite', 'crr', 'camel', 'native', 'bucket-sync', 'cosmos'];

export type SiteKind = 'ceph' | 'aws' | 'edgefs' | 'zenko';
export type EdgeDirection = 'one-way' | 'two-way';
export type EdgePurpose = 'dr' | 'backup' | 'residency';
export type EdgeMode = 'continuous' | 'scheduled';

/**
 * Where a site's manifests go and which cluster applies them. For an AWS site, the Kubernetes
 * cluster (EKS or other) in that account and region that runs the AWS-side replicators (the AWS
 * chart of a camel or native edge, a bucket-sync edge run there); its folder is written only when
 * an edge puts something there.
 */
interface ClusterSiteProps {
  /**
   * kubectl context of the site's Kubernetes cluster, recorded in the report.
   * @default - none recorded
   */
  readonly kubeContext?: string;
  /**
   * Folder of the GitOps repository holding this cluster's manifests.
   * @default - `clusters/<site name>`
   */
  readonly gitopsPath?: string;
}

interface SiteBaseProps {
  /** Site name (a DNS-1123 label); buckets are referenced as `<site>/<bucket>`. */
  readonly name: string;
  /** Names of the site's buckets that edges connect. */
  readonly buckets: readonly string[];
}

/** A Rook Ceph cluster serving S3 through RGW. */
export interface CephSiteProps extends SiteBaseProps, ClusterSiteProps {
  readonly kind: 'ceph';
  /**
   * Namespace of the Rook cluster.
   * @default 'rook-ceph'
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-store-crd/
   */
  readonly namespace?: string;
  /** Name of the CephObjectStore serving the buckets. */
  readonly objectStoreName: string;
  /** Externally reachable RGW URL (the zone endpoint other sites and replicators use). */
  readonly endpoint: string;
  /**
   * Name of the RGW multisite realm (one of `realms[].name`) this cluster is a zone of.
   * @default - not in a realm: Ceph <-> Ceph edges then use the event-driven replicator
   */
  readonly realm?: string;
  /**
   * Whether this cluster holds the realm's master zone.
   * @default - the first site of the realm
   */
  readonly master?: boolean;
  /**
   * Where the data lives (a data-residency location such as a country or a cloud region),
   * checked against the allowed regions of residency edges.
   * @default - unknown: residency edges may not copy into this site
   */
  readonly region?: string;
}

/** An AWS account and region. */
export interface AwsSiteProps extends SiteBaseProps, ClusterSiteProps {
  readonly kind: 'aws';
  /** 12-digit account id. */
  readonly accountId: string;
  /** AWS region of the buckets, e.g. `af-south-1`. */
  readonly region: string;
}

/** A (legacy) Rook EdgeFS cluster serving S3 through an S3X service. */
export interface EdgefsSiteProps extends SiteBaseProps, ClusterSiteProps {
  readonly kind: 'edgefs';
  /** S3X service URL. */
  readonly endpoint: string;
  /**
   * Namespace of the Rook EdgeFS cluster.
   * @default 'rook-edgefs'
   */
  readonly namespace?: string;
  /** @default - unknown: residency edges may not copy into this site */
  readonly region?: string;
}

/** A (legacy) Zenko CloudServer; its buckets are mirror-mode locations fed by Cosmos. */
export interface ZenkoSiteProps extends SiteBaseProps, ClusterSiteProps {
  readonly kind: 'zenko';
  /** Zenko CloudServer URL. */
  readonly endpoint: string;
  /**
   * Namespace Zenko runs in.
   * @default 'zenko'
   */
  readonly namespace?: string;
  /** @default - unknown: residency edges may not copy into this site */
  readonly region?: string;
}

export type SiteProps = CephSiteProps | AwsSiteProps | EdgefsSiteProps | ZenkoSiteProps;

/** An RGW multisite realm with its one zone group. */
export interface RealmProps {
  readonly name: string;
  /** Zone group name, the same on every cluster. */
  readonly zoneGroup: string;
}

/** An edge between two buckets, with its intent. */
export interface TopologyEdgeProps {
  /** Edge name (a DNS-1123 label): used in every message, the report and resource names. */
  readonly name: string;
  /** Source bucket, `<site>/<bucket>`. */
  readonly from: string;
  /** Destination bucket, `<site>/<bucket>`. */
  readonly to: string;
  /**
   * `two-way` also replicates `to` -> `from` (active-active).
   * @default 'one-way'
   */
  readonly direction?: EdgeDirection;
  /** Why the copy exists: disaster recovery, backup or a data-residency copy. */
  readonly purpose: EdgePurpose;
  /**
   * `continuous` replicates each change as it happens; `scheduled` syncs on `schedule`.
   * @default 'continuous'
   */
  readonly mode?: EdgeMode;
  /**
   * Cron expression of a scheduled edge: 5 fields, or `@hourly`, `@daily`, `@weekly`, `@monthly`,
   * `@yearly`. Required with mode `scheduled`, refused otherwise.
   * @default - none
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
   */
  readonly schedule?: string;
  /**
   * What the copy must keep. A demand the mechanism cannot meet is an error unless listed in `accept`.
   * @default - object bodies only
   */
  readonly mustSurvive?: readonly Fidelity[];
  /**
   * Demands of `mustSurvive` the mechanism cannot meet that you accept: each becomes a warning in
   * the report instead of an error.
   * @default - none
   */
  readonly accept?: readonly Fidelity[];
  /**
   * Mechanism, instead of the one the runbook's table picks.
   * @default - multisite (Ceph <-> Ceph in one realm), crr (AWS <-> AWS), the topology's
   * `replicator` (Ceph <-> AWS, Ceph <-> Ceph across realms), cosmos (scheduled AWS -> Zenko),
   * bucket-sync (every other scheduled edge)
   */
  readonly mechanism?: Mechanism;
  /**
   * Only keys with this prefix are replicated.
   * @default - every key
   */
  readonly prefix?: string;
  /**
   * Regions a residency edge may copy into.
   * @default - the topology's `allowedRegions`
   */
  readonly allowedRegions?: readonly string[];
  /**
   * For camel and native edges: skip events written by the topology's other replicators (their
   * `userIdentity.principalId`). This stops loops, and also stops objects that arrived through
   * another replicator from travelling on; turn it off to chain replicators (then no loop may pass
   * through the edge). CamelReplicator (both engines) always enforces it, so the cdk8s
   * `ReplicationTopology` refuses `false` for the edges it renders.
   * @default true
   */
  readonly loopGuard?: boolean;
}

export interface ReplicationTopologyProps {
  readonly sites: readonly SiteProps[];
  /**
   * RGW multisite realms the Ceph sites belong to.
   * @default - none
   */
  readonly realms?: readonly RealmProps[];
  readonly edges: readonly TopologyEdgeProps[];
  /**
   * Event-driven replicator for Ceph <-> AWS edges (and Ceph <-> Ceph across realms): the Camel K
   * integrations of the runbook, or the native `bucketbridge replicate` engine.
   * @default 'camel'
   */
  readonly replicator?: 'camel' | 'native';
  /**
   * Regions residency edges may copy into, unless an edge sets its own.
   * @default - none: every residency edge must set `allowedRegions`
   */
  readonly allowedRegions?: readonly string[];
}

/** How well a mechanism keeps one aspect of an object. */
export interface Survival {
  readonly level: 'yes' | 'partial' | 'no';
  readonly note: string;
}

/** What a mechanism guarantees, from its documentation and the lab measurements. */
export interface MechanismGuarantees {
  readonly mechanism: Mechanism;
  readonly title: string;
  /** The construct or component that renders it. */
  readonly construct: string;
  readonly survives: Readonly<Record<Fidelity, Survival>>;
  /** Directions the mechanism carries: multisite is always two-way, cosmos only one-way. */
  readonly directions: 'one-way' | 'two-way' | 'either';
  /** Whether a two-way edge carries deletes in both directions. */
  readonly twoWayDeletes: boolean;
  readonly expectedLag: string;
  /** The loop guard the mechanism enforces, or undefined when it has none. */
  readonly loopGuard: string | undefined;
  readonly sources: readonly string[];
}

const S3_REPLICATION_DOC = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html';
const RGW_MULTISITE_DOC = 'https://docs.ceph.com/en/latest/radosgw/multisite/';
const RGW_NOTES = '../shared/notes/ceph-rgw-local.md (lab measurements, RGW 16.2.15)';
const RUNBOOK = 'seed runbook 7.1 (S3 Object Storage Replication)';

/** The guarantee table; docs/topology.md renders it. */
export const MECHANISM_GUARANTEES: Readonly<Record<Mechanism, MechanismGuarantees>> = {
  multisite: {
    mechanism: 'multisite',
    title: 'Ceph RGW multisite (zone sync)',
    construct: 'CephMultisite',
    survives: {
      deletes: { level: 'yes', note: 'deletes and delete markers sync to every zone' },
      versions: { level: 'yes', note: 'versioned buckets sync every version with its version id' },
      metadata: { level: 'yes', note: 'the object and its user metadata are copied by the zone' },
      tags: { level: 'yes', note: 'object tags are part of the synced object' },
      acls: { level: 'yes', note: 'object ACLs sync with the object; users and buckets sync as metadata' },
    },
    directions: 'two-way',
    twoWayDeletes: true,
    expectedLag: 'seconds (lab median 150-205 ms; up to 20 s when a sync notify is missed)',
    loopGuard: 'zone sync never syncs a change back to the zone it came from, and synced objects fire no bucket notifications',
    sources: [RGW_MULTISITE_DOC, RGW_NOTES],
  },
  crr: {
    mechanism: 'crr',
    title: 'AWS S3 Cross-Region Replication',
    construct: 'CrrReplication',
    survives: {
      deletes: {
        level: 'partial',
        note: 'delete markers replicate (not on tag-filtered rules); deleting a specific version never replicates',
      },
      versions: { level: 'yes', note: 'both buckets are versioned; each version replicates with its version id' },
      metadata: { level: 'yes', note: 'system and user metadata replicate' },
      tags: { level: 'yes', note: 'object tags and tag changes replicate' },
      acls: { level: 'yes', note: 'object ACLs replicate, unless the destination account takes ownership' },
    },
    directions: 'either',
    twoWayDeletes: true,
    expectedLag: 'most objects within 15 minutes (99.99 % with Replication Time Control)',
    loopGuard: 'replicas are never replicated again; replica modification sync carries only metadata',
    sources: [S3_REPLICATION_DOC, 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html'],
  },
  camel: {
    mechanism: 'camel',
    title: 'Camel K event-driven replicator',
    construct: 'CamelReplicator (cdk8s) + CamelReplicatorAws (Pulumi)',
    survives: {
      deletes: { level: 'yes', note: 's3:ObjectRemoved events call deleteObject on the other side, in both directions' },
      versions: { level: 'no', note: 'copies the current object; older versions are not carried' },
      metadata: { level: 'partial', note: 'content type is kept; user metadata only as far as the route maps headers' },
      tags: { level: 'no', note: 'the routes copy bodies, not tag sets' },
      acls: { level: 'no', note: 'objects are written with the replicator identity\'s default ACL' },
    },
    directions: 'either',
    twoWayDeletes: true,
    expectedLag: 'seconds to minutes (runbook RPO)',
    loopGuard: "skips events whose userIdentity.principalId is another replicator's identity",
    sources: [RUNBOOK, 'https://camel.apache.org/components/latest/aws2-s3-component.html'],
  },
  native: {
    mechanism: 'native',
    title: 'bucketbridge replicate (native engine)',
    construct: 'CamelReplicator with the native engine (cdk8s) + CamelReplicatorAws (Pulumi)',
    survives: {
      deletes: { level: 'yes', note: 'reconciles each key against the source, so deletes propagate' },
      versions: { level: 'no', note: 'reconciles the current object of each key' },
      metadata: { level: 'yes', note: 'copies with the sync engine\'s fidelity (headers and user metadata)' },
      tags: { level: 'partial', note: 'RGW sends no tagging events: tag-only changes on Ceph arrive with the next reconcile pass' },
      acls: { level: 'no', note: 'objects are written with the replicator identity\'s default ACL' },
    },
    directions: 'either',
    twoWayDeletes: true,
    expectedLag: 'seconds (event-driven, plus an optional reconcile pass)',
    loopGuard: "skips events whose userIdentity.principalId is another replicator's identity, and s3:ObjectSynced/s3:Replication events",
    sources: ['issue 18 (bucketbridge replicate)', RGW_NOTES],
  },
  'bucket-sync': {
    mechanism: 'bucket-sync',
    title: 'BucketSyncPolicy (scheduled bucketbridge sync)',
    construct: 'BucketSyncPolicy',
    survives: {
      deletes: { level: 'yes', note: 'one way only: a sync deletes destination keys missing at the source' },
      versions: { level: 'no', note: 'syncs the current object of each key' },
      metadata: { level: 'yes', note: 'copies headers and user metadata' },
      tags: { level: 'partial', note: 'copied with each object; a tag-only change needs --compare-tags' },
      acls: { level: 'no', note: 'objects are written with the sync identity\'s default ACL' },
    },
    directions: 'either',
    twoWayDeletes: false,
    expectedLag: 'up to one schedule period plus the sync run',
    loopGuard: undefined,
    sources: ['issue 19 (BucketSyncPolicy)', 'https://rclone.org/commands/rclone_sync/'],
  },
  cosmos: {
    mechanism: 'cosmos',
    title: 'Zenko Cosmos out-of-band ingestion',
    construct: 'CosmosLocation',
    survives: {
      deletes: { level: 'partial', note: 'an ingestion run mirrors the AWS bucket, so deletes arrive with the next run' },
      versions: { level: 'no', note: 'ingests the current object of each key' },
      metadata: { level: 'partial', note: 'rclone copies content type and user metadata it can map' },
      tags: { level: 'no', note: 'tag sets are not ingested' },
      acls: { level: 'no', note: 'Zenko owns the ingested objects' },
    },
    directions: 'one-way',
    twoWayDeletes: false,
    expectedLag: 'up to one schedule period (default every 12 hours) plus the ingestion run',
    loopGuard: undefined,
    sources: ['../shared/crds/zenko-cosmos.md', 'issue 20 (CosmosLocation)'],
  },
};

/** A bucket of a site, resolved. */
export interface TopologyBucket {
  /** `<site>/<bucket>`. */
  readonly ref: string;
  readonly site: ResolvedSite;
  readonly name: string;
}

export interface ResolvedSite {
  readonly name: string;
  readonly kind: SiteKind;
  readonly props: SiteProps;
  readonly buckets: readonly string[];
  readonly gitopsPath: string;
  readonly kubeContext?: string;
  readonly region?: string;
}

/** An edge after the mechanism is chosen and defaults are resolved. */
export interface ResolvedEdge {
  readonly name: string;
  readonly index: number;
  readonly from: TopologyBucket;
  readonly to: TopologyBucket;
  readonly direction: EdgeDirection;
  readonly purpose: EdgePurpose;
  readonly mode: EdgeMode;
  readonly schedule?: string;
  readonly mechanism: Mechanism;
  /** Whether the mechanism came from the edge's `mechanism` prop. */
  readonly overridden: boolean;
  readonly prefix: string;
  readonly mustSurvive: readonly Fidelity[];
  readonly loopGuard: boolean;
  readonly guarantees: MechanismGuarantees;
  /** Report warnings: accepted gaps and partial guarantees. */
  readonly warnings: readonly string[];
}

/** One direction of an edge: a two-way edge has two. */
export interface TopologyArc {
  readonly edge: ResolvedEdge;
  readonly from: TopologyBucket;
  readonly to: TopologyBucket;
}

export interface ResolvedTopology {
  readonly sites: readonly ResolvedSite[];
  readonly realms: readonly RealmProps[];
  readonly edges: readonly ResolvedEdge[];
  /** Cycles of continuous arcs, each with the guard that breaks it. */
  readonly guardedLoops: readonly { readonly arcs: readonly TopologyArc[]; readonly guard: string }[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ACCOUNT_ID = /^\d{12}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const HTTP_URL = /^https?:\/\/[^\s/]+/;
/** Whether `mechanism` can replicate between these kinds of sites, or why not. */
function mechanismFits(mechanism: Mechanism, from: ResolvedSite, to: ResolvedSite, direction: EdgeDirection): string | undefined {
  const kinds = `${from.kind} -> ${to.kind}`;
  const eventSource = (site: ResolvedSite) => site.kind === 'ceph' || site.kind === 'aws';
  switch (mechanism) {
    case 'multisite':
      return from.kind === 'ceph' && to.kind === 'ceph' ? undefined : `replicates only between Ceph sites, not ${kinds}`;
    case 'crr':
      return from.kind === 'aws' && to.kind === 'aws' ? undefined : `replicates only between AWS sites, not ${kinds}`;
    case 'camel':
      return (from.kind === 'ceph' && to.kind === 'aws') || (from.kind === 'aws' && to.kind === 'ceph')
        ? undefined
        : `replicates only between a Ceph and an AWS site, not ${kinds}`;
    case 'native': {
      const sources = direction === 'two-way' ? [from, to] : [from];
      return sources.every(eventSource) ? undefined : `needs S3 event notifications from its source (Ceph or AWS sites), not ${kinds}${direction === 'two-way' ? ' two-way' : ''}`;
    }
    case 'bucket-sync':
      return undefined;
    case 'cosmos':
      return from.kind === 'aws' && to.kind === 'zenko' ? undefined : `ingests only from an AWS site into a Zenko site, not ${kinds}`;
  }
}

function realmOf(site: ResolvedSite): string | undefined {
  return site.props.kind === 'ceph' ? site.props.realm : undefined;
}

function defaultMechanism(
  from: ResolvedSite,
  to: ResolvedSite,
  mode: EdgeMode,
  replicator: 'camel' | 'native',
): Mechanism | undefined {
  if (mode === 'scheduled') return from.kind === 'aws' && to.kind === 'zenko' ? 'cosmos' : 'bucket-sync';
  if (from.kind === 'ceph' && to.kind === 'ceph') {
    const realm = realmOf(from);
    return realm !== undefined && realm === realmOf(to) ? 'multisite' : replicator;
  }
  if (from.kind === 'aws' && to.kind === 'aws') return 'crr';
  if ((from.kind === 'ceph' && to.kind === 'aws') || (from.kind === 'aws' && to.kind === 'ceph')) return replicator;
  return undefined;
}

/**
 * Whether `arc`'s mechanism refuses to forward what `previous` wrote into its source bucket.
 * Returns the guard's description, or undefined.
 */
export function guardBetween(previous: TopologyArc, arc: TopologyArc): string | undefined {
  const before = previous.edge.mechanism;
  const now = arc.edge.mechanism;
  const at = `edge '${arc.edge.name}' (${now}) does not forward what edge '${previous.edge.name}' (${before}) writes into ${arc.from.ref}`;
  if (now === 'multisite' && before === 'multisite') return `${at}: zone sync never re-syncs a synced change`;
  if (now === 'crr' && before === 'crr') return `${at}: S3 never replicates a replica`;
  if ((now === 'camel' || now === 'native') && arc.edge.loopGuard) {
    if (before === 'camel' || before === 'native') return `${at}: principal-id loop guard`;
    if (before === 'multisite') return `${at}: objects synced into a zone fire no bucket notifications`;
  }
  return undefined;
}

/** Every elementary cycle of the arc graph, each starting at its lowest-numbered bucket. */
function cycles(arcs: readonly TopologyArc[], buckets: readonly string[]): TopologyArc[][] {
  const order = new Map(buckets.map((ref, index) => [ref, index]));
  const rank = (ref: string) => order.get(ref) ?? -1;
  const found: TopologyArc[][] = [];
  for (const start of buckets) {
    const path: TopologyArc[] = [];
    const visiting = new Set<string>([start]);
    const walk = (at: string): void => {
      for (const arc of arcs.filter((a) => a.from.ref === at && rank(a.to.ref) >= rank(start))) {
        if (arc.to.ref === start) {
          found.push([...path, arc]);
        } else if (!visiting.has(arc.to.ref)) {
          visiting.add(arc.to.ref);
          path.push(arc);
          walk(arc.to.ref);
          path.pop();
          visiting.delete(arc.to.ref);
        }
      }
    };
    walk(start);
  }
  return found;
}

/** `a/x -(e1, camel)-> b/y -(e2, crr)-> a/x`. */
export function describeCycle(arcs: readonly TopologyArc[]): string {
  const first = arcs[0];
  if (!first) return '';
  return arcs.reduce((text, arc) => `${text} -(${arc.edge.name}, ${arc.edge.mechanism})-> ${arc.to.ref}`, first.from.ref);
}

/**
 * Names of the SQS queues of a camel or native edge's AWS end, the same on both sides of the
 * topology (the Pulumi component creates them, the cdk8s construct's replicator consumes them):
 * `<edge>-events` and `<edge>-dlq`, unless both sides are told otherwise.
 */
export function replicatorQueueNames(edgeName: string): { readonly queueName: string; readonly deadLetterQueueName: string } {
  return { queueName: `${edgeName}-events`, deadLetterQueueName: `${edgeName}-dlq` };
}

/** Both directions of a two-way edge, the one of a one-way edge. */
export function arcsOf(edge: ResolvedEdge): TopologyArc[] {
  const forward = { edge, from: edge.from, to: edge.to };
  return edge.direction === 'two-way' ? [forward, { edge, from: edge.to, to: edge.from }] : [forward];
}

function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * Resolves and checks a topology; throws one `ValidationError` (named `path`) listing every problem.
 */
export function resolveTopology(path: string, props: ReplicationTopologyProps): ResolvedTopology {
  const problems = new Problems(path);
  const realms = props.realms ?? [];
  const replicator = props.replicator ?? 'camel';

  realms.forEach((realm, index) => {
    problems.check(DNS_LABEL.test(realm.name), `realms[${index}].name`, 'must be a DNS-1123 label', realm.name);
    problems.check(DNS_LABEL.test(realm.zoneGroup), `realms[${index}].zoneGroup`, 'must be a DNS-1123 label', realm.zoneGroup);
    problems.check(realms.findIndex((r) => r.name === realm.name) === index, `realms[${index}].name`, 'must be unique', realm.name);
  });

  const siteNames = props.sites.map((site) => site.name);
  const sites = props.sites.map((site, index): ResolvedSite => {
    const at = `sites[${index}]`;
    problems.check(DNS_LABEL.test(site.name), `${at}.name`, 'must be a DNS-1123 label', site.name);
    problems.check(siteNames.indexOf(site.name) === index, `${at}.name`, 'must be unique', site.name);
    problems.check(site.buckets.length > 0, `${at}.buckets`, 'must list at least one bucket', site.buckets);
    site.buckets.forEach((bucket, b) => {
      problems.check(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket), `${at}.buckets[${b}]`, 'must be an S3 bucket name', bucket);
      problems.check(site.buckets.indexOf(bucket) === b, `${at}.buckets[${b}]`, 'must be unique', bucket);
    });
    if (site.kind === 'aws') {
      problems.check(ACCOUNT_ID.test(site.accountId), `${at}.accountId`, 'must be a 12-digit AWS account id', site.accountId);
      problems.check(AWS_REGION.test(site.region), `${at}.region`, 'must be an AWS region such as af-south-1', site.region);
    } else {
      problems.check(HTTP_URL.test(site.endpoint), `${at}.endpoint`, 'must be an http(s) URL', site.endpoint);
    }
    if (site.kind === 'ceph') {
      problems.check(DNS_LABEL.test(site.objectStoreName), `${at}.objectStoreName`, 'must be a DNS-1123 label', site.objectStoreName);
      if (site.namespace !== undefined) {
        problems.check(DNS_LABEL.test(site.namespace), `${at}.namespace`, 'must be a DNS-1123 label', site.namespace);
      }
      if (site.realm !== undefined) {
        problems.check(realms.some((realm) => realm.name === site.realm), `${at}.realm`, 'must name one of realms[].name', site.realm);
      }
    }
    if (site.kind !== 'ceph' && site.kind !== 'aws' && site.namespace !== undefined) {
      problems.check(DNS_LABEL.test(site.namespace), `${at}.namespace`, 'must be a DNS-1123 label', site.namespace);
    }
    const gitopsPath = site.gitopsPath ?? `clusters/${site.name}`;
    problems.check(
      /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(gitopsPath) && !gitopsPath.split('/').includes('..'),
      `${at}.gitopsPath`,
      'must be a relative folder path without ..',
      gitopsPath,
    );
    return {
      name: site.name,
      kind: site.kind,
      props: site,
      buckets: site.buckets,
      gitopsPath,
      kubeContext: site.kubeContext,
      region: site.region,
    };
  });

  sites.forEach((site, index) => {
    const first = sites.find((other) => other.gitopsPath === site.gitopsPath);
    if (first && first !== site) {
      problems.check(
        first.kubeContext === site.kubeContext,
        `sites[${index}].kubeContext`,
        `must equal site ${first.name}'s (${first.kubeContext ?? 'none'}): both write the GitOps folder ${site.gitopsPath}, which one cluster applies`,
        site.kubeContext,
      );
    }
  });

  realms.forEach((realm, index) => {
    const members = sites.filter((site) => realmOf(site) === realm.name);
    const masters = members.filter((site) => site.props.kind === 'ceph' && site.props.master === true);
    problems.check(masters.length <= 1, `realms[${index}]`, 'must have at most one site marked master', masters.map((s) => s.name));
    const stores = new Set(members.map((site) => (site.props.kind === 'ceph' ? site.props.objectStoreName : '')));
    problems.check(stores.size <= 1, `realms[${index}]`, 'must have the same objectStoreName on every site (CephMultisite renders one store name)', [...stores]);
    const namespaces = new Set(members.map((site) => (site.props.kind === 'ceph' ? (site.props.namespace ?? 'rook-ceph') : '')));
    problems.check(namespaces.size <= 1, `realms[${index}]`, 'must have the same Rook namespace on every site', [...namespaces]);
  });

  const buckets = new Map<string, TopologyBucket>();
  for (const site of sites) {
    for (const name of site.buckets) buckets.set(`${site.name}/${name}`, { ref: `${site.name}/${name}`, site, name });
  }

  const edgeNames = props.edges.map((edge) => edge.name);
  const edges: ResolvedEdge[] = [];
  props.edges.forEach((edge, index) => {
    const at = `edges[${index}]`;
    problems.check(DNS_LABEL.test(edge.name), `${at}.name`, 'must be a DNS-1123 label', edge.name);
    problems.check(edgeNames.indexOf(edge.name) === index, `${at}.name`, 'must be unique', edge.name);
    const from = buckets.get(edge.from);
    const to = buckets.get(edge.to);
    problems.check(from !== undefined, `${at}.from`, "must name a bucket of a site as '<site>/<bucket>'", edge.from);
    problems.check(to !== undefined, `${at}.to`, "must name a bucket of a site as '<site>/<bucket>'", edge.to);
    const mode = edge.mode ?? 'continuous';
    const direction = edge.direction ?? 'one-way';
    if (mode === 'scheduled') {
      if (problems.check(edge.schedule !== undefined, `${at}.schedule`, "must be set when mode is 'scheduled'", edge.schedule)) {
        checkCronSchedule(problems, `${at}.schedule`, edge.schedule);
      }
    } else {
      problems.check(edge.schedule === undefined, `${at}.schedule`, "must not be set unless mode is 'scheduled'", edge.schedule);
    }
    const mustSurvive = [...new Set(edge.mustSurvive ?? [])];
    const accept = new Set(edge.accept ?? []);
    for (const fidelity of accept) {
      problems.check(mustSurvive.includes(fidelity), `${at}.accept`, 'must only list demands of mustSurvive', fidelity);
    }
    if (!from || !to) return;
    problems.check(from.ref !== to.ref, `${at}.to`, 'must differ from from', edge.to);

    const chosen = edge.mechanism ?? defaultMechanism(from.site, to.site, mode, replicator);
    if (!chosen) {
      problems.add(`${at}.mode`, `must be 'scheduled' between a ${from.site.kind} and a ${to.site.kind} site (no continuous mechanism replicates them)`, mode);
      return;
    }
    const guarantees = MECHANISM_GUARANTEES[chosen];
    const misfit = mechanismFits(chosen, from.site, to.site, direction);
    if (misfit) problems.add(`${at}.mechanism`, `${chosen} ${misfit}`, chosen);
    const scheduledMechanism = chosen === 'bucket-sync' || chosen === 'cosmos';
    problems.check(scheduledMechanism === (mode === 'scheduled'), `${at}.mechanism`, `${chosen} ${scheduledMechanism ? "runs on a schedule: set mode 'scheduled'" : "replicates continuously: set mode 'continuous'"}`, chosen);
    if (chosen === 'multisite') {
      const realm = realmOf(from.site);
      problems.check(realm !== undefined && realm === realmOf(to.site), `${at}.mechanism`, `multisite needs both sites in one realm, got sites ${from.site.name} (realm ${realm ?? 'none'}) and ${to.site.name} (realm ${realmOf(to.site) ?? 'none'})`, chosen);
      problems.check(from.name === to.name, `${at}.to`, 'must be the same bucket name as from: multisite zone sync mirrors each bucket under its own name', edge.to);
    }
    if (guarantees.directions !== 'either') {
      const rule = guarantees.directions === 'two-way'
        ? `must be 'two-way' with ${chosen}: zone sync replicates every bucket of the zone group both ways`
        : `must be 'one-way' with ${chosen}`;
      problems.check(direction === guarantees.directions, `${at}.direction`, rule, direction);
    }
    if (edge.loopGuard !== undefined) {
      problems.check(chosen === 'camel' || chosen === 'native', `${at}.loopGuard`, 'applies only to camel and native edges', edge.loopGuard);
    }
    const prefix = edge.prefix ?? '';
    if (chosen === 'multisite') problems.check(prefix === '', `${at}.prefix`, 'must be empty with multisite: zone sync replicates whole buckets', prefix);
    if (chosen === 'cosmos') problems.check(prefix === '', `${at}.prefix`, 'must be empty with cosmos: a Cosmos ingestion mirrors the whole AWS bucket', prefix);
    if (chosen === 'bucket-sync' && prefix !== '') {
      problems.check(prefix.endsWith('/') && !prefix.startsWith('/'), `${at}.prefix`, "must end with '/' (and not start with one) with bucket-sync: a sync location names a folder, bucket/prefix/", prefix);
    }

    // Contradiction: deletes both ways.
    if (direction === 'two-way' && mustSurvive.includes('deletes') && !guarantees.twoWayDeletes && !accept.has('deletes')) {
      problems.add(
        `${at}.direction`,
        `must be 'one-way' when deletes must survive: ${chosen} cannot carry deletes in both directions (a scheduled mirror cannot tell a delete on one side from a new object on the other)`,
        direction,
      );
    }

    // Contradiction: residency outside the allowed regions.
    if (edge.purpose === 'residency') {
      const allowed = edge.allowedRegions ?? props.allowedRegions;
      if (problems.check(allowed !== undefined, `${at}.allowedRegions`, 'must be set (or the topology\'s allowedRegions) for a residency edge', allowed)) {
        const targets = direction === 'two-way' ? [to, from] : [to];
        for (const target of targets) {
          problems.check(
            target.site.region !== undefined && (allowed ?? []).includes(target.site.region),
            `${at}.to`,
            `must stay in the allowed regions ${JSON.stringify(allowed)} of residency edge '${edge.name}': ${target.ref} is in ${target.site.region ?? 'an undeclared region'}`,
            target.ref,
          );
        }
      }
    }

    // Fidelity.
    const warnings: string[] = [];
    for (const fidelity of mustSurvive) {
      const survival = guarantees.survives[fidelity];
      // Deletes of a two-way edge survive only if the mechanism carries them both ways; that
      // contradiction is reported above, so here it only becomes a warning when accepted.
      const bothWays = fidelity === 'deletes' && direction === 'two-way' && !guarantees.twoWayDeletes;
      if (bothWays) {
        if (accept.has(fidelity)) warnings.push(`accepted: deletes do not survive both directions of ${chosen}`);
      } else if (survival.level === 'partial') {
        warnings.push(`${fidelity} survive only partly: ${survival.note}`);
      } else if (survival.level === 'no' && accept.has(fidelity)) {
        warnings.push(`accepted: ${fidelity} do not survive ${chosen} (${survival.note})`);
      } else if (survival.level === 'no') {
        problems.add(`${at}.mustSurvive`, `asks for ${fidelity}, which ${chosen} does not keep (${survival.note}); accept it with 'accept' or choose another mechanism`, fidelity);
      }
    }

    edges.push({
      name: edge.name,
      index,
      from,
      to,
      direction,
      purpose: edge.purpose,
      mode,
      schedule: edge.schedule,
      mechanism: chosen,
      overridden: edge.mechanism !== undefined,
      prefix,
      mustSurvive,
      loopGuard: edge.loopGuard ?? true,
      guarantees,
      warnings,
    });
  });

  // Contradiction: one destination, two continuous writers of the same keys.
  const continuous = edges.filter((edge) => edge.mode === 'continuous').flatMap(arcsOf);
  for (const [i, a] of continuous.entries()) {
    for (const b of continuous.slice(i + 1)) {
      if (a.to.ref !== b.to.ref || a.edge === b.edge) continue;
      if (a.edge.mechanism === 'multisite' && b.edge.mechanism === 'multisite') continue;
      if (!prefixesOverlap(a.edge.prefix, b.edge.prefix)) continue;
      problems.add(
        'edges',
        `must not have two continuous edges writing the same keys into one bucket: '${a.edge.name}' and '${b.edge.name}' both write ${a.to.ref} (prefixes ${JSON.stringify(a.edge.prefix)} and ${JSON.stringify(b.edge.prefix)})`,
        [a.edge.name, b.edge.name],
      );
    }
  }

  // Loops.
  const guardedLoops: { arcs: TopologyArc[]; guard: string }[] = [];
  for (const cycle of cycles(continuous, [...buckets.keys()])) {
    const guard = cycle
      .map((arc, i) => guardBetween(cycle[(i + cycle.length - 1) % cycle.length] as TopologyArc, arc))
      .find((g) => g !== undefined);
    if (guard) {
      guardedLoops.push({ arcs: cycle, guard });
    } else {
      problems.add(
        'edges',
        `must not form a loop that no mechanism on it guards: ${describeCycle(cycle)}`,
        [...new Set(cycle.map((arc) => arc.edge.name))],
      );
    }
  }

  problems.throwIfAny();
  return { sites, realms, edges, guardedLoops };
}
