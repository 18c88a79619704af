export * from './ceph-multisite';
export * from './camel-replicator';
