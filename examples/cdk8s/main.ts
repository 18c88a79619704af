import { App } from 'cdk8s';
import { legacyPlatforms } from './legacy-platforms';
import { rciisCamelReplicator } from './rciis-camel-replicator';
import { rciisMultisite } from './rciis-multisite';
import { rciisReplicationTopology } from './rciis-topology';

const app = new App();
rciisMultisite(app);
legacyPlatforms(app);
rciisReplicationTopology(app);
rciisCamelReplicator(app);
app.synth();
