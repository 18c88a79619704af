import { App } from 'cdk8s';
import { garageToS3SyncCharts } from './garage-to-s3-sync';
import { legacyPlatforms } from './legacy-platforms';
import { rciisMultisite } from './rciis-multisite';

const app = new App();
rciisMultisite(app);
garageToS3SyncCharts(app);
legacyPlatforms(app);
app.synth();
