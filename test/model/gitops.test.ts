import { describe, expect, it } from 'vitest';
import {
  ManifestValidator,
  formatManifestProblem,
  gitopsFiles,
  stageFolder,
  stageObjectName,
  type ClusterManifests,
} from '../../lib/model';

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 's3-replicator' }, data: {} });

const cluster: ClusterManifests = {
  path: 'clusters/aws-af-south-1',
  destinationName: 'aws-af-south-1',
  namespace: 's3-replicator',
  crdsPath: 'infrastructure/crds',
  stages: [
    { stage: 'replicators', objects: [configMap('replicator')] },
    { stage: 'stores', objects: [] },
  ],
};

describe('gitopsFiles', () => {
  it('names stage folders and ordering objects after the cluster path, numbered in apply order', () => {
    expect(stageFolder('clusters/site-a', 'realm')).toBe('clusters/site-a/stages/10-realm');
    expect(stageFolder('clusters/site-a', 'replicators')).toBe('clusters/site-a/stages/40-replicators');
    expect(stageObjectName('Clusters/Site_A', 'zones')).toBe('clusters-site-a-zones');
  });

  it('skips empty stages and makes the replicators wait for the CRDs (Flux)', () => {
    const files = gitopsFiles('T', cluster, { tool: 'flux', interval: '5m', sourceRef: { kind: 'GitRepository', name: 'platform' } });
    expect(files.map((f) => f.path)).toEqual([
      'clusters/aws-af-south-1/stages/40-replicators/manifests.yaml',
      'clusters/aws-af-south-1/flux/ordering.yaml',
    ]);
    const ordering = files[1]?.objects ?? [];
    expect(ManifestValidator.forDirectory().validateAll(ordering).map(formatManifestProblem)).toEqual([]);
    expect(ordering).toEqual([
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'clusters-aws-af-south-1-crds', namespace: 'flux-system' },
        spec: { interval: '5m', timeout: '20m', path: './infrastructure/crds', prune: true, sourceRef: { kind: 'GitRepository', name: 'platform' }, wait: true },
      },
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'clusters-aws-af-south-1-replicators', namespace: 'flux-system' },
        spec: {
          interval: '5m',
          timeout: '20m',
          path: './clusters/aws-af-south-1/stages/40-replicators',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'platform' },
          dependsOn: [{ name: 'clusters-aws-af-south-1-crds' }],
          wait: true,
        },
      },
    ]);
  });

  it('gives Argo CD Applications the stage number as sync wave (Argo CD)', () => {
    const files = gitopsFiles('T', cluster, { tool: 'argocd', repoURL: 'git@git.example.com:platform.git', project: 'storage' });
    const ordering = files[1]?.objects ?? [];
    expect(ManifestValidator.forDirectory().validateAll(ordering).map(formatManifestProblem)).toEqual([]);
    expect(ordering[1]).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'clusters-aws-af-south-1-replicators', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '4' } },
      spec: {
        project: 'storage',
        source: { repoURL: 'git@git.example.com:platform.git', targetRevision: 'HEAD', path: 'clusters/aws-af-south-1/stages/40-replicators' },
        destination: { name: 'aws-af-south-1', namespace: 's3-replicator' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    expect((ordering[0] as { metadata: { annotations: Record<string, string> } }).metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
  });

  it('gathers bad ordering settings into one error', () => {
    expect(() => gitopsFiles('T', cluster, { tool: 'flux', interval: '1 day', timeout: 'x' })).toThrow(
      "T: invalid props (2):\n  - 'gitops.interval' must be a Go duration such as '10m', got \"1 day\"\n  - 'gitops.timeout' must be a Go duration such as '10m', got \"x\"",
    );
  });
});
