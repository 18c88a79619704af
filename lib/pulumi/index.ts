import './peers';
export * from './crr-replication';
export * from './batch-replication-job';
