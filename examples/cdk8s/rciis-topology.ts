import { Construct } from 'constructs';
import { ReplicationTopology } from '../../lib/k8s';
import { rciisTopology } from '../topology/rciis';

const zone = (name: string) => ({
  gateway: { instances: 1, port: 80 },
  ingress: { host: `s3.${name}.example.com`, tlsSecretName: 'rgw-tls', className: 'nginx' },
});

/**
 * The runbook's full topology from one declaration (`examples/topology/rciis.ts`). The cluster
 * side renders here: the `rciis` realm's CephMultisite (charts `site-a` and `site-b` under
 * `topology/rciis`). The CRR edge and the AWS end of `ceph-aws` come from the Pulumi side
 * (`examples/pulumi/rciis-topology.ts`). `ceph-aws` is excluded here until CamelReplicator (issue
 * 22) is in this build; the checks and the report still cover it.
 *
 * `topology.writeTo(dir)` writes the GitOps folders (`clusters/site-a`, `clusters/site-b`, Flux
 * Kustomizations chained with `dependsOn`) and `topology.md` / `.json` / `.svg`.
 */
export function rciisReplicationTopology(scope: Construct): ReplicationTopology {
  return new ReplicationTopology(scope, 'topology', {
    ...rciisTopology,
    zones: { 'site-a': zone('site-a'), 'site-b': zone('site-b') },
    multisite: { rciis: { syncTuning: { syncLeasePeriodSeconds: 30 } } },
    exclude: ['ceph-aws'],
  });
}
