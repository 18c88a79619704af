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
rciisReplicationTopology(app);
rciisCamelReplicator(app);
rciisNativeReplicator(app);
app.synth();
