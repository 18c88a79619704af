export * from './errors';
export * from './crr';
export * from './batch-replication';
export * from './copy-backfill';
