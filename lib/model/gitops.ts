import { Problems } from './errors';
import { type FluxHealthCheckRef, fluxRookHealthCheckExprs } from './rook-health';

/**
 * GitOps ordering for one cluster's manifests: one folder per apply stage, and the objects that
 * make Flux or Argo CD apply the stages in the runbook's order (CRDs and realm first, then zones,
 * then stores, then replicators).
 */

/** Apply stages, in order. */
export const GITOPS_STAGES = ['crds', 'realm', 'zones', 'stores', 'replicators'] as const;
export type GitOpsStage = (typeof GITOPS_STAGES)[number];

/** A Kubernetes object as plain JSON. */
export type ManifestObject = Record<string, unknown>;

/** One stage's manifests on one cluster. */
export interface StageManifests {
  readonly stage: GitOpsStage;
  readonly objects: readonly ManifestObject[];
  /** Flux health checks for the stage's objects (only Flux uses them). */
  readonly healthChecks?: readonly FluxHealthCheckRef[];
}

/** Flux: one `Kustomization` per stage, each `dependsOn` the previous one. */
export interface FluxOrderingProps {
  readonly tool: 'flux';
  /**
   * Source the Kustomizations build from.
   * @default { kind: 'GitRepository', name: 'flux-system' } (what `flux bootstrap` creates)
   * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#source-reference
   */
  readonly sourceRef?: { readonly kind: 'GitRepository' | 'OCIRepository' | 'Bucket'; readonly name: string; readonly namespace?: string };
  /**
   * Namespace of the Kustomizations.
   * @default 'flux-system'
   */
  readonly namespace?: string;
  /**
   * Reconcile interval.
   * @default '10m'
   * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#interval
   */
  readonly interval?: string;
  /**
   * How long a stage may take to become healthy before it fails (Rook zones take minutes).
   * @default '20m'
   * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#timeout
   */
  readonly timeout?: string;
}

/** Argo CD: one `Application` per stage, ordered by sync waves in an app-of-apps. */
export interface ArgoCdOrderingProps {
  readonly tool: 'argocd';
  /** Git repository URL holding the folders. */
  readonly repoURL: string;
  /**
   * Revision to sync.
   * @default 'HEAD'
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/tracking_strategies/
   */
  readonly targetRevision?: string;
  /**
   * Argo CD project.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly namespace?: string;
}

export type GitOpsOrderingProps = FluxOrderingProps | ArgoCdOrderingProps;

/** One cluster's stages. */
export interface ClusterManifests {
  /** Folder of the cluster in the repository (`clusters/site-a`). */
  readonly path: string;
  /**
   * Argo CD destination cluster name; Flux ignores it (its Kustomizations run in the cluster).
   * @default 'in-cluster'
   */
  readonly destinationName?: string;
  /** Namespace the stage objects go to when they carry none. */
  readonly namespace: string;
  readonly stages: readonly StageManifests[];
  /**
   * Folder (in the same repository) with the operators' CRDs that every stage waits for.
   * @default - no CRD stage
   */
  readonly crdsPath?: string;
}

/** A file of the GitOps folder: its path from the repository root and its objects. */
export interface GitOpsFile {
  readonly path: string;
  readonly objects: readonly ManifestObject[];
}

const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

function slug(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** `<path>/stages/<NN>-<stage>`: the stage folder, numbered in apply order. */
export function stageFolder(clusterPath: string, stage: GitOpsStage): string {
  return `${clusterPath}/stages/${GITOPS_STAGES.indexOf(stage)}0-${stage}`;
}

/** Name of a stage's ordering object: `<cluster path slug>-<stage>`. */
export function stageObjectName(clusterPath: string, stage: GitOpsStage): string {
  return `${slug(clusterPath)}-${stage}`;
}

/**
 * The files of one cluster's folder: each stage's manifests in `<path>/stages/<NN>-<stage>/`, and
 * the ordering objects in `<path>/<tool>/ordering.yaml`, which is the one file the cluster's
 * root Kustomization or Argo CD app-of-apps points at.
 */
export function gitopsFiles(path: string, cluster: ClusterManifests, ordering: GitOpsOrderingProps): GitOpsFile[] {
  const problems = new Problems(path);
  if (ordering.tool === 'flux') {
    for (const prop of ['interval', 'timeout'] as const) {
      const value = ordering[prop];
      if (value !== undefined) problems.check(DURATION.test(value), `gitops.${prop}`, "must be a Go duration such as '10m'", value);
    }
  } else {
    problems.check(/^(https?|ssh|git):\/\/\S+$|^git@\S+:\S+$/.test(ordering.repoURL), 'gitops.repoURL', 'must be a Git URL', ordering.repoURL);
  }
  problems.throwIfAny();

  const stages = cluster.stages.filter((stage) => stage.objects.length > 0);
  const steps: { stage: GitOpsStage; folder: string; healthChecks?: readonly FluxHealthCheckRef[] }[] = [];
  if (cluster.crdsPath !== undefined) steps.push({ stage: 'crds', folder: cluster.crdsPath });
  for (const stage of [...stages].sort((a, b) => GITOPS_STAGES.indexOf(a.stage) - GITOPS_STAGES.indexOf(b.stage))) {
    steps.push({ stage: stage.stage, folder: stageFolder(cluster.path, stage.stage), healthChecks: stage.healthChecks });
  }

  const orderingObjects = steps.map((step, index) => {
    const name = stageObjectName(cluster.path, step.stage);
    const previous = index > 0 ? stageObjectName(cluster.path, (steps[index - 1] as (typeof steps)[number]).stage) : undefined;
    if (ordering.tool === 'flux') {
      const checks = step.healthChecks ?? [];
      return {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace: ordering.namespace ?? 'flux-system' },
        spec: {
          interval: ordering.interval ?? '10m',
          timeout: ordering.timeout ?? '20m',
          path: `./${step.folder}`,
          prune: true,
          sourceRef: ordering.sourceRef ?? { kind: 'GitRepository', name: 'flux-system' },
          ...(previous ? { dependsOn: [{ name: previous }] } : {}),
          ...(checks.length > 0
            ? { healthChecks: checks.map((check) => ({ ...check })), healthCheckExprs: fluxRookHealthCheckExprs() }
            : { wait: true }),
        },
      };
    }
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name,
        namespace: ordering.namespace ?? 'argocd',
        annotations: { [SYNC_WAVE]: String(GITOPS_STAGES.indexOf(step.stage)) },
      },
      spec: {
        project: ordering.project ?? 'default',
        source: { repoURL: ordering.repoURL, targetRevision: ordering.targetRevision ?? 'HEAD', path: step.folder },
        destination: { name: cluster.destinationName ?? 'in-cluster', namespace: cluster.namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
  });

  return [
    ...stages.map((stage) => ({ path: `${stageFolder(cluster.path, stage.stage)}/manifests.yaml`, objects: stage.objects })),
    { path: `${cluster.path}/${ordering.tool}/ordering.yaml`, objects: orderingObjects },
  ];
}
