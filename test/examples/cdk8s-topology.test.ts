import { App } from 'cdk8s';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rciisReplicationTopology } from '../../examples/cdk8s/rciis-topology';
import { ManifestValidator, formatManifestProblem } from '../../lib/model';

describe('examples/cdk8s/rciis-topology', () => {
  it('synthesizes the realm charts and both replicator charts from one declaration and writes valid GitOps folders and the report', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'bucketbridge-topology-example-'));
    try {
      const app = new App({ outdir: join(outdir, 'dist') });
      const topology = rciisReplicationTopology(app);
      app.synth();
      expect(readdirSync(join(outdir, 'dist')).sort()).toEqual([
        expect.stringMatching(/^topology-edges-ceph-aws-aws-[0-9a-f]{8}\.k8s\.yaml$/),
        expect.stringMatching(/^topology-edges-ceph-aws-on-prem-[0-9a-f]{8}\.k8s\.yaml$/),
        expect.stringMatching(/^topology-rciis-site-a-[0-9a-f]{8}\.k8s\.yaml$/),
        expect.stringMatching(/^topology-rciis-site-b-[0-9a-f]{8}\.k8s\.yaml$/),
      ]);
      expect(topology.clusters().map((cluster) => [cluster.path, cluster.stages.map((stage) => stage.stage)])).toEqual([
        ['clusters/site-a', ['realm', 'zones', 'stores', 'replicators']],
        ['clusters/site-b', ['realm', 'zones', 'stores']],
        ['clusters/aws-af-south-1', ['replicators']],
      ]);
      const files = topology.gitopsFiles();
      const problems = files.flatMap((file) => ManifestValidator.forDirectory().validateAll(file.objects));
      expect(problems.map(formatManifestProblem)).toEqual([]);
      const written = topology.writeTo(join(outdir, 'gitops'));
      expect(written).toEqual([...files.map((file) => file.path), 'topology.md', 'topology.json', 'topology.svg']);
      expect(topology.reportMarkdown()).toContain('| ceph-aws | onprem/s3-replication-test | aws-af-south-1/rciis-ceph-replica-af-south-1 | two-way | dr | continuous | camel |');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
