import { App } from 'cdk8s';
import { legacyPlatforms } from './legacy-platforms';
import { rciisCamelReplicator } from './rciis-camel-replicator';
import { rciisMultisite } from './rciis-multisite';

const app = new App();
rciisMultisite(app);
legacyPlatforms(app);
rciisCamelReplicator(app);
app.synth();
