import { App } from 'cdk8s';
import { garageToS3SyncCharts } from './garage-to-s3-sync';
import { rciisMultisite } from './rciis-multisite';

const app = new App();
rciisMultisite(app);
garageToS3SyncCharts(app);
app.synth();
