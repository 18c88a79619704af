import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { garageToS3SyncCharts } from '../../examples/cdk8s/garage-to-s3-sync';
import { field, findByKind, synthAndValidate } from '../support/manifests';

describe('examples/cdk8s garage-to-s3-sync', () => {
  it('renders the seed policy with bucketbridge and as the controller resource, every object valid against its schema', () => {
    const app = Testing.app();
    garageToS3SyncCharts(app);
    const charts = app.node.children.filter((child): child is Chart => child instanceof Chart);
    expect(charts.map((chart) => chart.node.id)).toEqual(['garage-to-s3-sync', 'garage-to-s3-sync-controller']);
    const [engine, controller] = charts.map((chart) => synthAndValidate(chart));
    const cronJob = findByKind(engine ?? [], 'CronJob', 'garage-to-s3-sync');
    expect(cronJob.spec).toMatchObject({ schedule: '@daily', successfulJobsHistoryLimit: 10, failedJobsHistoryLimit: 10 });
    expect(field(cronJob, 'spec.jobTemplate.spec.template.metadata.labels')).toMatchObject({ app: 'bucket-sync', environment: 'production' });
    const env = field(cronJob, 'spec.jobTemplate.spec.template.spec.containers.0.env') as Array<{ name: string; valueFrom?: Record<string, unknown> }>;
    expect(env.find((e) => e.name === 'RCLONE_CONFIG_SOURCE_ENDPOINT')?.valueFrom).toEqual({ configMapKeyRef: { name: 'garage-config', key: 'ENDPOINT' } });
    expect(env.find((e) => e.name === 'RCLONE_CONFIG_DESTINATION_SECRET_ACCESS_KEY')?.valueFrom).toEqual({ secretKeyRef: { name: 's3-credentials', key: 'SECRET_ACCESS_KEY' } });
    const resource = findByKind(controller ?? [], 'BucketSyncPolicy', 'garage-to-s3-sync');
    expect(resource.spec).toMatchObject({ source: 'my-bucket', destination: 'backup-bucket', schedule: '@daily', syncHistoryLimit: 10, jobLabels: { app: 'bucket-sync', environment: 'production' } });
  });
});
