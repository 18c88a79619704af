/**
 * The AWS side of the runbook's full topology (`examples/topology/rciis.ts`) from the same
 * declaration the cdk8s app renders: CRR `rciis-data-af-south-1` -> `rciis-data-eu-west-1`
 * (edge `aws-regions`) and the AWS end of the Ceph <-> AWS replicator (edge `ceph-aws`: bucket
 * `rciis-ceph-replica-af-south-1`, its event queue and dead-letter queue, the replicator's IAM user).
 * Call it from a Pulumi program with the account id of the placeholder `111111111111` replaced.
 */
import * as aws from '@pulumi/aws';
import { ReplicationTopology } from '../../lib/pulumi';
import { rciisTopology } from '../topology/rciis';

export function rciisAwsSide(): ReplicationTopology {
  const allowedAccountIds = ['111111111111'];
  const capeTown = new aws.Provider('rciis-af-south-1', { region: 'af-south-1', allowedAccountIds });
  const ireland = new aws.Provider('rciis-eu-west-1', { region: 'eu-west-1', allowedAccountIds });
  return new ReplicationTopology('rciis', {
    topology: rciisTopology,
    providers: { 'aws-af-south-1': capeTown, 'aws-eu-west-1': ireland },
    camel: {
      'ceph-aws': {
        queueName: 'rciis-s3-replication-events',
        deadLetterQueueName: 'rciis-s3-replication-dlq',
        userName: 'rciis-ceph-s3-replicator',
      },
    },
  });
}
