export * from './ceph-multisite';
export * from './bucket-sync-policy';
