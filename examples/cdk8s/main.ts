import { App } from 'cdk8s';
import { rciisCamelReplicator } from './rciis-camel-replicator';
import { rciisMultisite } from './rciis-multisite';

const app = new App();
rciisMultisite(app);
rciisCamelReplicator(app);
app.synth();
