import './peers';
export * from './ceph-multisite';
export * from './bucket-sync-policy';
export * from './s3x-service';
export * from './cosmos-location';
export * from './replication-topology';
export * from './camel-replicator';
