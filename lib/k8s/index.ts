export * from './ceph-multisite';
export * from './replication-topology';
