import { assertPeers } from '../model/peers';

/** Imported first by `index.ts`: fails in one line when cdk8s is missing. */
assertPeers(
  'bucketbridge/k8s',
  ['cdk8s', 'cdk8s-plus-28', 'constructs'],
  " (the root entry 'bucketbridge' re-exports bucketbridge/k8s; import 'bucketbridge/model' for the pure model alone)",
);
