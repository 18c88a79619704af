import './peers';
export * from './crr-replication';
export * from './batch-replication-job';
export * from './camel-replicator-aws';
export * from './chart-deployment';
export * from './replication-topology';
