import './peers';
export * from './ceph-multisite';
