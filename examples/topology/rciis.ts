import type { ReplicationTopologyProps } from '../../lib/model';

/**
 * The seed runbook's full topology (section 7.1) as one declaration:
 * - site-a and site-b: two Rook Ceph clusters, zones of the realm `rciis` (zone group
 *   `rciis-sites`, store `multisite-store`), replicating `rciis-data` active-active;
 * - aws-af-south-1 -> aws-eu-west-1: CRR of `rciis-data-af-south-1` into `rciis-data-eu-west-1`;
 * - onprem (the `ceph-objectstore` store on site-a's cluster) <-> aws-af-south-1: the event-driven
 *   replicator between `s3-replication-test` and `rciis-ceph-replica-af-south-1`.
 * Account id 111111111111 and the example.com endpoints are placeholders.
 */
export const rciisTopology: ReplicationTopologyProps = {
  realms: [{ name: 'rciis', zoneGroup: 'rciis-sites' }],
  sites: [
    {
      kind: 'ceph',
      name: 'site-a',
      realm: 'rciis',
      master: true,
      objectStoreName: 'multisite-store',
      endpoint: 'https://s3.site-a.example.com',
      buckets: ['rciis-data'],
      region: 'za-onprem-a',
      kubeContext: 'onprem-a',
      gitopsPath: 'clusters/site-a',
    },
    {
      kind: 'ceph',
      name: 'site-b',
      realm: 'rciis',
      objectStoreName: 'multisite-store',
      endpoint: 'https://s3.site-b.example.com',
      buckets: ['rciis-data'],
      region: 'za-onprem-b',
      kubeContext: 'onprem-b',
      gitopsPath: 'clusters/site-b',
    },
    {
      kind: 'ceph',
      name: 'onprem',
      objectStoreName: 'ceph-objectstore',
      endpoint: 'https://rgw.example.com',
      buckets: ['s3-replication-test'],
      region: 'za-onprem-a',
      kubeContext: 'onprem-a',
      gitopsPath: 'clusters/site-a',
    },
    {
      kind: 'aws',
      name: 'aws-af-south-1',
      accountId: '111111111111',
      region: 'af-south-1',
      buckets: ['rciis-data-af-south-1', 'rciis-ceph-replica-af-south-1'],
      kubeContext: 'aws-af-south-1',
      gitopsPath: 'clusters/aws-af-south-1',
    },
    {
      kind: 'aws',
      name: 'aws-eu-west-1',
      accountId: '111111111111',
      region: 'eu-west-1',
      buckets: ['rciis-data-eu-west-1'],
    },
  ],
  edges: [
    {
      name: 'ceph-sites',
      from: 'site-a/rciis-data',
      to: 'site-b/rciis-data',
      direction: 'two-way',
      purpose: 'dr',
      mustSurvive: ['deletes', 'versions', 'metadata', 'tags', 'acls'],
    },
    {
      name: 'aws-regions',
      from: 'aws-af-south-1/rciis-data-af-south-1',
      to: 'aws-eu-west-1/rciis-data-eu-west-1',
      purpose: 'dr',
      mustSurvive: ['deletes', 'versions', 'metadata', 'tags'],
    },
    {
      name: 'ceph-aws',
      from: 'onprem/s3-replication-test',
      to: 'aws-af-south-1/rciis-ceph-replica-af-south-1',
      direction: 'two-way',
      purpose: 'dr',
      mustSurvive: ['deletes'],
    },
  ],
};

/**
 * The runbook's names of the SQS queues at the AWS end of `ceph-aws`. Both sides take them from
 * here: the Pulumi side creates the queues (`camel['ceph-aws']`), the cdk8s side's replicator
 * consumes them (`camel['ceph-aws'].aws`). Without them both sides default to `ceph-aws-events` and
 * `ceph-aws-dlq` (`replicatorQueueNames`).
 */
export const rciisReplicatorQueues = {
  queueName: 'rciis-s3-replication-events',
  deadLetterQueueName: 'rciis-s3-replication-dlq',
} as const;
