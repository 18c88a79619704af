import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { Construct } from 'constructs';
import {
  type ClusterManifests,
  type GitOpsFile,
  type GitOpsOrderingProps,
  type GitOpsStage,
  type ManifestObject,
  type Mechanism,
  type ReplicationTopologyProps,
  type ResolvedTopology,
  type StageManifests,
  Problems,
  gitopsFiles,
  resolveTopology,
  topologyMarkdown,
  topologyMermaid,
  topologyReportJson,
  topologySvg,
} from '../model';
import { CephMultisite, type CephMultisiteProps, type CephMultisiteZoneProps } from './ceph-multisite';

/** The Kubernetes side of mechanisms whose constructs this build does not have yet. */
const NOT_IN_THIS_BUILD: Partial<Record<Mechanism, string>> = {
  camel: 'CamelReplicator (issue 22)',
  native: 'CamelReplicator with the native engine (issues 18 and 22)',
  'bucket-sync': 'BucketSyncPolicy (issue 19)',
  cosmos: 'CosmosLocation (issue 20)',
};

/** Stage of each Rook kind in the runbook's apply order. */
const STAGE_OF_KIND: Readonly<Record<string, GitOpsStage>> = {
  CephObjectRealm: 'realm',
  CephObjectZoneGroup: 'realm',
  CephObjectZone: 'zones',
  CephObjectStore: 'stores',
  Ingress: 'stores',
};

/** Realm-wide CephMultisite settings the topology does not carry. */
export type TopologyMultisiteProps = Omit<CephMultisiteProps, 'realmName' | 'zoneGroupName' | 'objectStoreName' | 'zones' | 'namespace'>;

/** Zone settings of one Ceph site; the name, master flag and endpoint come from the site. */
export type TopologyZoneProps = Omit<CephMultisiteZoneProps, 'name' | 'master'>;

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
   * Edges rendered by another program (or whose construct this build does not have): they still
   * count in every check and in the report, but render nothing here.
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

/**
 * One declaration of sites, buckets and replication intents. Picks each edge's mechanism, checks
 * the whole graph (loops, contradictions, fidelity) at construct time, renders the Kubernetes side
 * through the existing constructs (one CephMultisite per realm), and writes per-cluster GitOps
 * folders and the report. The AWS side comes from the Pulumi `ReplicationTopology` component with
 * the same declaration.
 */
export class ReplicationTopology extends Construct {
  readonly topology: ResolvedTopology;
  /** The CephMultisite of each realm with multisite edges, by realm name. */
  readonly multisites: ReadonlyMap<string, CephMultisite>;
  private readonly gitops: GitOpsOrderingProps;
  private readonly crdsPaths: Readonly<Record<string, string>>;

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
    for (const name of Object.keys(props.zones ?? {})) {
      problems.check(this.topology.sites.some((s) => s.name === name && s.kind === 'ceph'), `zones.${name}`, 'must name a Ceph site', name);
    }
    const rendered = this.topology.edges.filter((edge) => !exclude.has(edge.name));
    for (const edge of rendered) {
      const needs = NOT_IN_THIS_BUILD[edge.mechanism];
      if (needs) {
        problems.add(
          `edges[${edge.index}].mechanism`,
          `is not available in this build for edge '${edge.name}' (it needs ${needs}); render the edge elsewhere and list it in 'exclude'`,
          edge.mechanism,
        );
      }
    }
    problems.throwIfAny();

    const multisites = new Map<string, CephMultisite>();
    const realms = new Set(rendered.filter((edge) => edge.mechanism === 'multisite').map((edge) => {
      const site = edge.from.site.props;
      return site.kind === 'ceph' ? (site.realm ?? '') : '';
    }));
    for (const realm of this.topology.realms.filter((r) => realms.has(r.name))) {
      const members = this.topology.sites.flatMap((site) => (site.props.kind === 'ceph' && site.props.realm === realm.name ? [site.props] : []));
      const first = members[0];
      if (!first) continue;
      const zones = members.map((site): CephMultisiteZoneProps => {
        const extra = props.zones?.[site.name] ?? {};
        const endpoints = extra.endpoints ?? (extra.ingress ? undefined : [site.endpoint]);
        return { name: site.name, ...(site.master !== undefined ? { master: site.master } : {}), ...extra, ...(endpoints ? { endpoints } : {}) };
      });
      multisites.set(realm.name, new CephMultisite(this, realm.name, {
        ...props.multisite?.[realm.name],
        realmName: realm.name,
        zoneGroupName: realm.zoneGroup,
        objectStoreName: first.objectStoreName,
        namespace: first.namespace ?? 'rook-ceph',
        zones,
      }));
    }
    this.multisites = multisites;
  }

  /** Each GitOps folder's stages, from the rendered constructs. */
  clusters(): ClusterManifests[] {
    const byPath = new Map<string, { namespace: string; destinationName: string; stages: Map<GitOpsStage, StageManifests> }>();
    for (const multisite of this.multisites.values()) {
      for (const site of this.topology.sites) {
        const chart = multisite.node.tryFindChild(site.name);
        if (!chart) continue;
        const entry = byPath.get(site.gitopsPath) ?? {
          namespace: multisite.namespace,
          destinationName: site.kubeContext ?? site.name,
          stages: new Map<GitOpsStage, StageManifests>(),
        };
        byPath.set(site.gitopsPath, entry);
        const objects = multisite.chart(site.name).toJson() as ManifestObject[];
        const checks = multisite.fluxHealthChecks(site.name);
        for (const object of objects) {
          const stage = STAGE_OF_KIND[String(object.kind)];
          if (!stage) throw new Error(`${this.node.path}: no apply stage for kind ${String(object.kind)}`);
          const current = entry.stages.get(stage) ?? { stage, objects: [], healthChecks: [] };
          const name = (object.metadata as { name?: string } | undefined)?.name;
          entry.stages.set(stage, {
            stage,
            objects: [...current.objects, object],
            healthChecks: [...(current.healthChecks ?? []), ...checks.filter((c) => c.kind === object.kind && c.name === name)],
          });
        }
      }
    }
    return [...byPath.entries()].map(([path, entry]) => ({
      path,
      namespace: entry.namespace,
      destinationName: entry.destinationName,
      stages: [...entry.stages.values()],
      ...(this.crdsPaths[path] !== undefined ? { crdsPath: this.crdsPaths[path] } : {}),
    }));
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
