import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { BucketSyncPolicy, type BucketSyncPolicyProps } from '../../lib/k8s';

const secret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
const configMap = (name: string, key: string) => ({ valueFrom: { configMapKeyRef: { name, key } } });

/**
 * The bucket-sync seed's Garage -> AWS policy `garage-to-s3-sync`: `my-bucket` on Garage to
 * `backup-bucket` on AWS S3 every day, keeping 10 syncs, its pods labelled `app: bucket-sync,
 * environment: production`. The Garage keys come from the Secret `garage-credentials`, its endpoint
 * and region from the ConfigMap `garage-config`, the AWS keys from the Secret `s3-credentials`.
 */
export const garageToS3Sync: BucketSyncPolicyProps = {
  name: 'garage-to-s3-sync',
  source: 'my-bucket',
  destination: 'backup-bucket',
  schedule: '@daily',
  syncHistoryLimit: 10,
  sourceEnv: [
    { name: 'TYPE', value: 's3' },
    { name: 'PROVIDER', value: 'Garage' },
    { name: 'ENDPOINT', ...configMap('garage-config', 'ENDPOINT') },
    { name: 'REGION', ...configMap('garage-config', 'REGION') },
    { name: 'ACCESS_KEY_ID', ...secret('garage-credentials', 'ACCESS_KEY_ID') },
    { name: 'SECRET_ACCESS_KEY', ...secret('garage-credentials', 'SECRET_ACCESS_KEY') },
  ],
  destinationEnv: [
    { name: 'TYPE', value: 's3' },
    { name: 'PROVIDER', value: 'aws' },
    { name: 'ACCESS_KEY_ID', ...secret('s3-credentials', 'ACCESS_KEY_ID') },
    { name: 'SECRET_ACCESS_KEY', ...secret('s3-credentials', 'SECRET_ACCESS_KEY') },
  ],
  jobLabels: { app: 'bucket-sync', environment: 'production' },
};

/**
 * Renders the policy twice into `scope`: chart `garage-to-s3-sync` runs it with bucketbridge (a
 * CronJob with Lease locks, nothing to install), chart `garage-to-s3-sync-controller` as the
 * bucket-sync controller's own resource, for clusters that run the controller. Apply one of them.
 */
export function garageToS3SyncCharts(scope: Construct, image = 'registry.example.com/bucketbridge:0.1.0'): BucketSyncPolicy[] {
  const engine = new Chart(scope, 'garage-to-s3-sync', { namespace: 'default' });
  const controller = new Chart(scope, 'garage-to-s3-sync-controller', { namespace: 'default' });
  return [
    new BucketSyncPolicy(engine, 'policy', { ...garageToS3Sync, image }),
    new BucketSyncPolicy(controller, 'policy', { ...garageToS3Sync, implementation: 'controller' }),
  ];
}
