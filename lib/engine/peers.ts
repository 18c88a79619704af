import { assertPeers } from '../model/peers';
import { ENGINE_PEERS } from './engine-peers';

/** Imported first by `index.ts`: fails in one line when the AWS SDK is missing. */
assertPeers('bucketbridge/engine', ENGINE_PEERS);
