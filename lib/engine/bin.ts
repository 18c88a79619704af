#!/usr/bin/env node
/**
 * The `bucketbridge` command as npm installs it: checks the engine's optional peers, then runs
 * the CLI. (The image bundles the SDK and starts `cli.ts` directly.)
 */
import { missingPeers, missingPeersMessage } from '../model/peers';
import { ENGINE_PEERS } from './engine-peers';

const missing = missingPeers(ENGINE_PEERS);
if (missing.length > 0) {
  process.stderr.write(`bucketbridge: ${missingPeersMessage('bucketbridge/engine', missing)}\n`);
  process.exit(1);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./cli');
