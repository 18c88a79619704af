import { assertPeers } from '../model/peers';

/**
 * Imported first by `index.ts`: fails in one line when Pulumi is missing. `@pulumi/kubernetes`
 * (copy-job backfill) and the S3 Control SDK (Batch Replication backfill) are checked only by the
 * components that use them.
 */
assertPeers('bucketbridge/pulumi', ['@pulumi/pulumi', '@pulumi/aws']);
