import { Construct } from 'constructs';
import { ReplicationTopology, type ReplicationTopologyConstructProps } from '../../lib/k8s';
import { rciisReplicatorQueues, rciisTopology } from '../topology/rciis';

const zone = (name: string) => ({
  gateway: { instances: 1, port: 80 },
  ingress: { host: `s3.${name}.example.com`, tlsSecretName: 'rgw-tls', className: 'nginx' },
});

/**
 * `AWS:<unique id>` of the IAM user the on-prem replicator writes AWS as: an output of the Pulumi
 * side (`pulumi stack output replicatorPrincipalIds` of `examples/pulumi`, edge `ceph-aws`), declared
 * here because this program writes files and does not run Pulumi. A placeholder.
 */
export const RCIIS_REPLICATOR_PRINCIPAL_ID = 'AWS:AIDAEXAMPLEREPLICATOR01';

/** The cluster side's settings of the runbook topology: the declaration plus what only the constructs need. */
export const rciisTopologyConstructProps: ReplicationTopologyConstructProps = {
  ...rciisTopology,
  zones: { 'site-a': zone('site-a'), 'site-b': zone('site-b') },
  multisite: { rciis: { syncTuning: { syncLeasePeriodSeconds: 30 } } },
  camel: {
    'ceph-aws': {
      operatorId: 'camel-k-operator',
      claimStorageClassName: 'ceph-bucket',
      ceph: {
        userName: 's3-replicator',
        // No Rook on the AWS cluster: the on-prem user's keys, copied into this Secret (SOPS/KSOPS).
        remoteCredentials: { secretName: 'ceph-rgw-credentials' },
      },
      kafka: {
        bootstrapServers: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093',
        topic: 'ceph-bucket-notifications',
        groupId: 's3-replicator-ceph-to-aws',
        strimziTopic: { clusterName: 'kafka-rciis-prod', namespace: 'rciis-prod' },
        consumerLagNamespace: 'rciis-prod',
      },
      aws: { ...rciisReplicatorQueues },
      loopGuard: { awsPrincipalId: RCIIS_REPLICATOR_PRINCIPAL_ID },
    },
  },
};

/**
 * The runbook's full topology from one declaration (`examples/topology/rciis.ts`), cluster side:
 * - `ceph-sites`: the `rciis` realm's CephMultisite (charts `site-a` and `site-b` under `topology/rciis`);
 * - `ceph-aws`: the CamelReplicator between the `ceph-objectstore` store on site-a's cluster and
 *   `rciis-ceph-replica-af-south-1` (chart `ceph-aws-on-prem` into `clusters/site-a`, chart
 *   `ceph-aws-aws` into `clusters/aws-af-south-1`, the AWS site's cluster);
 * - `aws-regions` (CRR) has no cluster side; it and the AWS end of `ceph-aws` come from the Pulumi
 *   side (`examples/pulumi/rciis-topology.ts`).
 *
 * `topology.writeTo(dir)` writes the GitOps folders (`clusters/site-a`, `clusters/site-b`,
 * `clusters/aws-af-south-1`, Flux Kustomizations chained with `dependsOn`, replicators last) and
 * `topology.md` / `.json` / `.svg`.
 */
export function rciisReplicationTopology(scope: Construct): ReplicationTopology {
  return new ReplicationTopology(scope, 'topology', rciisTopologyConstructProps);
}
