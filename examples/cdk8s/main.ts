import { App } from 'cdk8s';
import { rciisMultisite } from './rciis-multisite';

const app = new App();
rciisMultisite(app);
app.synth();
