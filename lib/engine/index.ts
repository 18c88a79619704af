import './peers';
export * from './commands/sync-engine';
export * from './errors';
export * from './tuning';
export * from './observability/metrics';
export * from './observability/logger';
export * from './locks/lease-store';
export * from './locks/bucket-locks';
export { Replicator, type ReplicatorOptions } from './commands/replicate';
