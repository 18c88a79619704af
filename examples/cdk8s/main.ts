import { join } from 'node:path';
import { App } from 'cdk8s';
import { garageToS3SyncCharts } from './garage-to-s3-sync';
import { legacyPlatforms } from './legacy-platforms';
import { rciisCamelReplicator, rciisNativeReplicator } from './rciis-camel-replicator';
import { rciisMultisite } from './rciis-multisite';
import { rciisReplicationTopology } from './rciis-topology';

const app = new App();
rciisMultisite(app);
garageToS3SyncCharts(app);
legacyPlatforms(app);
const topology = rciisReplicationTopology(app);
rciisCamelReplicator(app);
rciisNativeReplicator(app);
app.synth();
// The runbook topology's GitOps folders (Flux Kustomizations in apply order) and its report.
topology.writeTo(join(app.outdir, 'gitops'));
