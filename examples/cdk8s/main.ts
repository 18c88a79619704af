import { App } from 'cdk8s';
import { rciisMultisite } from './rciis-multisite';
import { rciisReplicationTopology } from './rciis-topology';

const app = new App();
rciisMultisite(app);
rciisReplicationTopology(app);
app.synth();
