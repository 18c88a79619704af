/**
 * AWS -> AWS replication, af-south-1 (Cape Town) -> eu-west-1 (Ireland):
 *
 * - `media`: both buckets in one account, objects written before replication backfilled by an
 *   S3 Batch Replication job, alarms notifying an SNS topic in af-south-1.
 * - `archive`: the destination bucket in another account, reached through a role assumed there;
 *   replicas become the destination account's, with RTC for the 15-minute SLA.
 * - `rciis`: the AWS side of the runbook's full topology (`rciis-topology.ts`): CRR
 *   `rciis-data-af-south-1` -> `rciis-data-eu-west-1` and the AWS end of the Ceph <-> AWS replicator.
 *
 * Config (`pulumi config set ...`): sourceAccountId, destinationAccountId,
 * destinationAccountRoleArn (a role in the destination account this program may assume),
 * optional bucketPrefix (default `bucketbridge-<stack>`). af-south-1 is an opt-in region:
 * enable it for both accounts first.
 */
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import { CrrReplication } from '../../lib/pulumi';
import { rciisAwsSide } from './rciis-topology';

const config = new pulumi.Config();
const sourceAccountId = config.require('sourceAccountId');
const destinationAccountId = config.require('destinationAccountId');
const destinationAccountRoleArn = config.require('destinationAccountRoleArn');
const prefix = config.get('bucketPrefix') ?? `bucketbridge-${pulumi.getStack()}`;

const capeTown = new aws.Provider('af-south-1', { region: 'af-south-1', allowedAccountIds: [sourceAccountId] });
const ireland = new aws.Provider('eu-west-1', { region: 'eu-west-1', allowedAccountIds: [sourceAccountId] });
const irelandDestinationAccount = new aws.Provider('eu-west-1-destination-account', {
  region: 'eu-west-1',
  allowedAccountIds: [destinationAccountId],
  assumeRoles: [{ roleArn: destinationAccountRoleArn, sessionName: 'bucketbridge' }],
});

const replicationAlarms = new aws.sns.Topic('replication-alarms', {}, { provider: capeTown });

const reports = new aws.s3.Bucket(
  'batch-replication-reports',
  { bucket: `${prefix}-replication-reports` },
  { provider: capeTown },
);

const media = new CrrReplication('media', {
  source: { bucketName: `${prefix}-media-af-south-1`, provider: capeTown },
  destinations: [{ bucketName: `${prefix}-media-eu-west-1`, provider: ireland }],
  rules: [{ id: 'everything' }],
  alarms: { snsTopicArn: replicationAlarms.arn },
  backfill: { kind: 'batchReplication', reportBucketName: `${prefix}-replication-reports` },
}, { dependsOn: [reports] });

const archive = new CrrReplication('archive', {
  source: { bucketName: `${prefix}-archive-af-south-1`, provider: capeTown },
  destinations: [
    {
      bucketName: `${prefix}-archive-eu-west-1`,
      provider: irelandDestinationAccount,
      accountId: destinationAccountId,
    },
  ],
  rules: [{ id: 'records', prefix: 'records/', storageClass: 'STANDARD_IA', replicationTimeControl: {} }],
  alarms: { snsTopicArn: replicationAlarms.arn },
});

export const mediaRoleArn = media.roleArn;
export const mediaBucketArns = pulumi.all([media.sourceBucketArn, media.destinationBucketArns]);
export const mediaBackfillJobId = media.backfillJobId;
export const mediaAlarmArns = media.alarmArns;
export const archiveRoleArn = archive.roleArn;
export const archiveRuleIds = archive.ruleIds;
export const archiveDestinationPolicies = archive.destinationPolicies;

const rciis = rciisAwsSide(replicationAlarms.arn);
/** `pulumi stack output rciisReplicatorPrincipalIds`: the cdk8s side's `camel.ceph-aws.loopGuard.awsPrincipalId`. */
export const rciisReplicatorPrincipalIds = rciis.replicatorPrincipalIds;
export const rciisReplicatorQueueUrls = rciis.replicatorQueueUrls;
