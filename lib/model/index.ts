export * from './errors';
export * from './manifest-validator';
export * from './crr';
export * from './batch-replication';
export * from './copy-backfill';
