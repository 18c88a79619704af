import { App } from 'cdk8s';
import { legacyPlatforms } from './legacy-platforms';
import { rciisMultisite } from './rciis-multisite';

const app = new App();
rciisMultisite(app);
legacyPlatforms(app);
app.synth();
