import './peers';
export * from './ceph-multisite';
export * from './s3x-service';
export * from './cosmos-location';
export * from './replication-topology';
export * from './camel-replicator';
