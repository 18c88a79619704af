/**
 * The AWS side of the runbook's full topology (`examples/topology/rciis.ts`) from the same
 * declaration the cdk8s app renders: CRR `rciis-data-af-south-1` -> `rciis-data-eu-west-1`
 * (edge `aws-regions`) and the AWS end of the Ceph <-> AWS replicator (edge `ceph-aws`: bucket
 * `rciis-ceph-replica-af-south-1`, its event queue and dead-letter queue, the replicator's IAM user).
 * Called from `examples/pulumi/index.ts`; replace the placeholder account id `111111111111`. Its
 * `replicatorPrincipalIds` output (edge `ceph-aws`) is what the cdk8s side declares as
 * `RCIIS_REPLICATOR_PRINCIPAL_ID` (`examples/cdk8s/rciis-topology.ts`).
 */
import type * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import { ReplicationTopology } from '../../lib/pulumi';
import { rciisReplicatorQueues, rciisTopology } from '../topology/rciis';

/** @param alarmTopicArn SNS topic the CRR alarms notify (default: the alarms notify nobody) */
export function rciisAwsSide(alarmTopicArn?: pulumi.Input<string>): ReplicationTopology {
  const allowedAccountIds = ['111111111111'];
  const capeTown = new aws.Provider('rciis-af-south-1', { region: 'af-south-1', allowedAccountIds });
  const ireland = new aws.Provider('rciis-eu-west-1', { region: 'eu-west-1', allowedAccountIds });
  return new ReplicationTopology('rciis', {
    topology: rciisTopology,
    providers: { 'aws-af-south-1': capeTown, 'aws-eu-west-1': ireland },
    ...(alarmTopicArn !== undefined ? { crr: { 'aws-regions': { alarms: { snsTopicArn: alarmTopicArn } } } } : {}),
    camel: {
      'ceph-aws': {
        ...rciisReplicatorQueues,
        userName: 'rciis-ceph-s3-replicator',
      },
    },
  });
}
