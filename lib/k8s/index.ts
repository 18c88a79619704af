export * from './ceph-multisite';
