import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { BucketSyncPolicy, type BucketSyncPolicyProps } from '../../lib/k8s/bucket-sync-policy';
import { LEASE_VERBS, ValidationError, formatProblem } from '../../lib/model';
import { type KubeObject, field, findAllByKind, findByKind, synthAndValidate } from '../support/manifests';

const secret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
const configMap = (name: string, key: string) => ({ valueFrom: { configMapKeyRef: { name, key } } });

/** The seed's Garage -> AWS policy, with the Garage endpoint and region from a ConfigMap. */
const base: BucketSyncPolicyProps = {
  name: 'garage-to-s3-sync',
  source: 'my-bucket',
  destination: 'backup-bucket',
  schedule: '@daily',
  syncHistoryLimit: 10,
  image: 'registry.example.com/bucketbridge:0.1.0',
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

function synth(props: Partial<BucketSyncPolicyProps> = {}, build?: (policy: BucketSyncPolicy) => void): KubeObject[] {
  const chart = new Chart(Testing.app(), 'chart', { namespace: 'backups' });
  const policy = new BucketSyncPolicy(chart, 'Policy', { ...base, ...props });
  build?.(policy);
  return synthAndValidate(chart);
}

function problems(props: Partial<BucketSyncPolicyProps>): string[] {
  try {
    new BucketSyncPolicy(new Chart(Testing.app(), 'chart', { namespace: 'backups' }), 'Policy', { ...base, ...props });
  } catch (error) {
    if (error instanceof ValidationError) {
      expect(error.path).toBe('chart/Policy');
      return error.problems.map(formatProblem);
    }
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const container = (object: KubeObject, path = 'spec.jobTemplate.spec.template.spec.containers.0') => field(object, path) as { args: string[]; env: Array<Record<string, unknown>> };

describe('BucketSyncPolicy (bucketbridge)', () => {
  it('renders a ServiceAccount, a Lease Role and RoleBinding, the CronJob and its alerts', () => {
    const objects = synth();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/garage-to-s3-sync',
      'Role/garage-to-s3-sync-locks',
      'RoleBinding/garage-to-s3-sync-locks',
      'CronJob/garage-to-s3-sync',
      'PrometheusRule/garage-to-s3-sync-alerts',
    ]);
    expect(objects.every((o) => o.metadata.namespace === 'backups')).toBe(true);
  });

  it('runs bucketbridge sync on the schedule, one at a time, with the history limits, backoff and deadline', () => {
    const cronJob = findByKind(synth(), 'CronJob');
    expect(cronJob.spec).toMatchObject({
      schedule: '@daily',
      concurrencyPolicy: 'Forbid',
      suspend: false,
      successfulJobsHistoryLimit: 10,
      failedJobsHistoryLimit: 10,
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 21600 } },
    });
    expect(field(cronJob, 'spec.jobTemplate.spec.template.spec.restartPolicy')).toBe('Never');
    expect(field(cronJob, 'spec.jobTemplate.spec.template.spec.serviceAccountName')).toBe('garage-to-s3-sync');
    const { args } = container(cronJob);
    expect(args.slice(0, 4)).toEqual(['sync', 'source:my-bucket', 'destination:backup-bucket', '--json']);
    expect(args.join(' ')).toContain('--lock-namespace backups --lock-timeout 3600 --holder $(BUCKETBRIDGE_JOB_NAME) --lock-member $(BUCKETBRIDGE_POD_NAME)');
    expect(args).not.toContain('--shard');
    expect(field(cronJob, 'spec.jobTemplate.spec.completionMode')).toBeUndefined();
  });

  it('leaves the history to Kubernetes when syncHistoryLimit is unset, and sets both limits to it otherwise', () => {
    const unset = findByKind(synth({ syncHistoryLimit: undefined }), 'CronJob');
    expect(unset.spec).not.toHaveProperty('successfulJobsHistoryLimit');
    expect(unset.spec).not.toHaveProperty('failedJobsHistoryLimit');
    const one = findByKind(synth({ syncHistoryLimit: 1 }), 'CronJob');
    expect(one.spec).toMatchObject({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
  });

  it('prefixes sourceEnv and destinationEnv and keeps each value source as written', () => {
    const objects = synth({
      sourceEnv: [...(base.sourceEnv ?? []), { name: 'LOCATION_CONSTRAINT', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
    });
    const env = container(findByKind(objects, 'CronJob')).env;
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.RCLONE_CONFIG_SOURCE_TYPE).toEqual({ name: 'RCLONE_CONFIG_SOURCE_TYPE', value: 's3' });
    expect(byName.RCLONE_CONFIG_SOURCE_PROVIDER).toEqual({ name: 'RCLONE_CONFIG_SOURCE_PROVIDER', value: 'Garage' });
    expect(byName.RCLONE_CONFIG_SOURCE_ENDPOINT).toEqual({ name: 'RCLONE_CONFIG_SOURCE_ENDPOINT', valueFrom: { configMapKeyRef: { name: 'garage-config', key: 'ENDPOINT' } } });
    expect(byName.RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY).toEqual({
      name: 'RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY',
      valueFrom: { secretKeyRef: { name: 'garage-credentials', key: 'SECRET_ACCESS_KEY' } },
    });
    expect(byName.RCLONE_CONFIG_SOURCE_LOCATION_CONSTRAINT).toEqual({ name: 'RCLONE_CONFIG_SOURCE_LOCATION_CONSTRAINT', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(byName.RCLONE_CONFIG_DESTINATION_PROVIDER).toEqual({ name: 'RCLONE_CONFIG_DESTINATION_PROVIDER', value: 'aws' });
    expect(byName.RCLONE_CONFIG_DESTINATION_ACCESS_KEY_ID).toEqual({ name: 'RCLONE_CONFIG_DESTINATION_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'ACCESS_KEY_ID' } } });
    // Nothing unprefixed leaks in besides the engine's own variables.
    expect(env.map((e) => e.name).filter((n) => !String(n).startsWith('RCLONE_CONFIG_'))).toEqual(['BUCKETBRIDGE_JOB_NAME', 'BUCKETBRIDGE_POD_NAME']);
  });

  it('puts the job labels on the Jobs and their pods beside the standard labels', () => {
    const cronJob = findByKind(synth(), 'CronJob');
    const expected = { app: 'bucket-sync', environment: 'production', 'app.kubernetes.io/instance': 'garage-to-s3-sync', 'app.kubernetes.io/name': 'bucketbridge' };
    expect(field(cronJob, 'spec.jobTemplate.metadata.labels')).toMatchObject(expected);
    expect(field(cronJob, 'spec.jobTemplate.spec.template.metadata.labels')).toMatchObject(expected);
    expect(field(cronJob, 'metadata.labels')).not.toHaveProperty('app');
  });

  it('grants exactly the Lease verbs the engine calls, in the lock namespace, to the policy\'s ServiceAccount', () => {
    const objects = synth({ lockNamespace: 'bucket-locks' });
    const role = findByKind(objects, 'Role');
    expect(role.metadata.namespace).toBe('bucket-locks');
    expect(role.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
    expect(LEASE_VERBS).toEqual(['get', 'create', 'update']);
    const binding = findByKind(objects, 'RoleBinding');
    expect(binding.metadata.namespace).toBe('bucket-locks');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'garage-to-s3-sync-locks' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'garage-to-s3-sync', namespace: 'backups' }]);
    expect(container(findByKind(objects, 'CronJob')).args.join(' ')).toContain('--lock-namespace bucket-locks');
    expect(findAllByKind(objects, 'ClusterRole')).toEqual([]);
  });

  it('renders an Indexed Job whose pods each sync one shard', () => {
    const cronJob = findByKind(synth({ parallelism: 4 }), 'CronJob');
    expect(field(cronJob, 'spec.jobTemplate.spec')).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    const { args, env } = container(cronJob);
    expect(args.join(' ')).toContain('--shard $(BUCKETBRIDGE_SHARD_INDEX)/4');
    expect(env).toContainEqual({ name: 'BUCKETBRIDGE_SHARD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    // All shards of one run share the locks: the holder is the Job, the member the pod.
    expect(env).toContainEqual({ name: 'BUCKETBRIDGE_JOB_NAME', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } });
  });

  it('maps copy mode, maxDelete, filters, transfers, resources and suspend', () => {
    const cronJob = findByKind(
      synth({ include: ['photos/**'], exclude: ['**/*.tmp'], transfers: 32, checkers: 8, maxDelete: 100, suspend: true, resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } } }),
      'CronJob',
    );
    const { args } = container(cronJob);
    expect(args.join(' ')).toContain('--max-delete 100 --include photos/** --exclude **/*.tmp --transfers 32 --checkers 8');
    expect(field(cronJob, 'spec.suspend')).toBe(true);
    expect(field(cronJob, 'spec.jobTemplate.spec.template.spec.containers.0.resources')).toEqual({ requests: { cpu: '500m', memory: '128Mi' }, limits: { memory: '1Gi' } });
    const copy = findByKind(synth({ mode: 'copy' }), 'CronJob');
    expect(container(copy).args[0]).toBe('copy');
  });

  it('gives an AWS side IRSA on the ServiceAccount and ENV_AUTH instead of keys', () => {
    const objects = synth({
      destinationEnv: [{ name: 'TYPE', value: 's3' }, { name: 'PROVIDER', value: 'AWS' }, { name: 'REGION', value: 'eu-west-1' }],
      destinationIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::123456789012:role/backup-writer' },
    });
    expect(findByKind(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/backup-writer' });
    const env = container(findByKind(objects, 'CronJob')).env;
    expect(env).toContainEqual({ name: 'RCLONE_CONFIG_DESTINATION_ENV_AUTH', value: 'true' });
    expect(env.map((e) => e.name)).not.toContain('RCLONE_CONFIG_DESTINATION_ACCESS_KEY_ID');
    const podIdentity = synth({ destinationEnv: [{ name: 'TYPE', value: 's3' }, { name: 'PROVIDER', value: 'AWS' }], destinationIdentity: { kind: 'podIdentity' } });
    expect(findByKind(podIdentity, 'ServiceAccount').metadata.annotations).toBeUndefined();
    expect(container(findByKind(podIdentity, 'CronJob')).env).toContainEqual({ name: 'RCLONE_CONFIG_DESTINATION_ENV_AUTH', value: 'true' });
  });

  it('alerts on a missed schedule and a failed sync, and on objects out of sync when metrics are pushed', () => {
    const rule = findByKind(synth({ metrics: { pushgatewayUrl: 'http://pushgateway.monitoring:9091' } }), 'PrometheusRule');
    const rules = field(rule, 'spec.groups.0.rules') as Array<{ alert: string; expr: string }>;
    expect(rules.map((r) => r.alert)).toEqual(['BucketSyncMissedSchedule', 'BucketSyncFailed', 'BucketSyncOutOfSync']);
    // @daily plus the 6-hour deadline: 86400 + 21600.
    expect(rules[0]?.expr).toContain('time() - kube_cronjob_status_last_successful_time{namespace="backups", cronjob="garage-to-s3-sync"} > 108000');
    expect(rules[1]?.expr).toContain('kube_job_owner{namespace="backups", owner_kind="CronJob", owner_name="garage-to-s3-sync"}');
    expect(rules[2]?.expr).toBe('max by (job) (bucketbridge_run_out_of_sync_objects{job="garage-to-s3-sync"}) > 0');
    const args = container(findByKind(synth({ metrics: { pushgatewayUrl: 'http://pushgateway.monitoring:9091' } }), 'CronJob')).args.join(' ');
    expect(args).toContain('--metrics-push-url http://pushgateway.monitoring:9091 --metrics-push-job garage-to-s3-sync');
    expect(findAllByKind(synth({ metrics: { alerts: false } }), 'PrometheusRule')).toEqual([]);
  });

  it('triggers a one-off Job from the CronJob\'s template', () => {
    const objects = synth({}, (policy) => policy.trigger('Now', { name: 'garage-to-s3-sync-manual' }));
    const job = findByKind(objects, 'Job');
    const cronJob = findByKind(objects, 'CronJob');
    expect(job.metadata).toMatchObject({ name: 'garage-to-s3-sync-manual', namespace: 'backups', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } });
    expect(job.spec).toEqual(field(cronJob, 'spec.jobTemplate.spec'));
  });

  it('accepts the schedules Kubernetes accepts, with a time zone', () => {
    for (const schedule of ['@hourly', '@weekly', '@monthly', '@yearly', '*/15 * * * *', '0 2 * * 1-5']) {
      expect(field(findByKind(synth({ schedule, timeZone: 'Europe/Berlin' }), 'CronJob'), 'spec.timeZone')).toBe('Europe/Berlin');
    }
  });

  it('names every bad prop at once', () => {
    expect(
      problems({
        schedule: '0 0 L * *',
        timeZone: 'Mars/Base',
        syncHistoryLimit: 0,
        source: 'garage:my-bucket',
        destination: '',
        image: undefined,
        parallelism: 0,
        jobLabels: { 'bad key!': 'x', ok: 'not valid!' },
        sourceEnv: [{ name: 'type', value: 's3' }, { name: 'SECRET_ACCESS_KEY', value: 'hunter2' }, { name: 'ENDPOINT' }, { name: 'REGION', valueFrom: {} }],
      }),
    ).toEqual([
      "'source' must be 'bucket[/path]' or 'source:bucket[/path]' (its remote is configured by sourceEnv as RCLONE_CONFIG_SOURCE_*), got \"garage:my-bucket\"",
      "'sourceEnv[0].name' must be an upper-case rclone option name (it becomes RCLONE_CONFIG_SOURCE_<NAME>), got \"type\"",
      "'sourceEnv[1].value' must not be a literal credential: take it from a Secret (valueFrom.secretKeyRef), got \"[redacted]\"",
      "'sourceEnv[2]' must set exactly one of 'value' and 'valueFrom', got {\"name\":\"ENDPOINT\"}",
      "'sourceEnv[3].valueFrom' must set exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef, got []",
      "'destination' must name a bucket ('bucket[/path]') without spaces, got \"\"",
      "'schedule' must be a 5-field cron expression or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly: the day of month field 'L' uses L, W, # or H, which Kubernetes does not support, got \"0 0 L * *\"",
      "'timeZone' must be an IANA time zone name such as 'Etc/UTC' or 'Europe/Berlin', got \"Mars/Base\"",
      "'syncHistoryLimit' must be an integer of at least 1, got 0",
      "'jobLabels.bad key!' must be a valid label name, got \"bad key!\"",
      "'jobLabels.ok' must be a valid label value (at most 63 characters, alphanumerics, -, _, .), got \"not valid!\"",
      "'image' must name the bucketbridge image, got undefined",
      "'parallelism' must be an integer from 1 to 100000, got 0",
    ]);
  });

  it('refuses contradictions: keys with an identity, two IRSA roles, a deadline shorter than the lock wait', () => {
    expect(
      problems({
        sourceIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::123456789012:role/a' },
        destinationIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::123456789012:role/b' },
        lockTimeoutSeconds: 7200,
        activeDeadlineSeconds: 3600,
        mode: 'copy',
        maxDelete: 5,
      }),
    ).toEqual([
      "'sourceIdentity' cannot be combined with keys in sourceEnv (ACCESS_KEY_ID, SECRET_ACCESS_KEY), got \"irsa\"",
      "'destinationIdentity' cannot be combined with keys in destinationEnv (ACCESS_KEY_ID, SECRET_ACCESS_KEY), got \"irsa\"",
      "'maxDelete' has no effect with mode 'copy' (it never deletes), got 5",
      "'activeDeadlineSeconds' must be longer than lockTimeoutSeconds (7200), or a sync waiting for its locks is killed first, got 3600",
      "'sourceIdentity, destinationIdentity' must use at most one IRSA role between them (one ServiceAccount), got [\"arn:aws:iam::123456789012:role/a\",\"arn:aws:iam::123456789012:role/b\"]",
    ]);
  });
});

describe('BucketSyncPolicy (controller)', () => {
  const controller = { implementation: 'controller' as const, image: undefined };

  it('renders the controller\'s BucketSyncPolicy with the env as written (the controller prefixes it)', () => {
    const objects = synth(controller);
    expect(objects.map((o) => o.kind)).toEqual(['BucketSyncPolicy']);
    const policy = findByKind(objects, 'BucketSyncPolicy');
    expect(policy.apiVersion).toBe('bucket-sync.homelab-helper.benfiola.com/v1');
    expect(policy.metadata).toEqual({ name: 'garage-to-s3-sync', namespace: 'backups' });
    expect(policy.spec).toEqual({
      source: 'my-bucket',
      destination: 'backup-bucket',
      schedule: '@daily',
      syncHistoryLimit: 10,
      sourceEnv: base.sourceEnv,
      destinationEnv: base.destinationEnv,
      jobLabels: { app: 'bucket-sync', environment: 'production' },
    });
  });

  it('triggers a one-off BucketSync of the policy', () => {
    const objects = synth(controller, (policy) => policy.trigger('Now'));
    const sync = findByKind(objects, 'BucketSync');
    expect(sync.metadata.name).toBe('garage-to-s3-sync-now');
    expect(sync.spec).toMatchObject({ policy: 'garage-to-s3-sync', source: 'my-bucket', destination: 'backup-bucket' });
  });

  it('refuses what the controller cannot do', () => {
    expect(problems({ ...controller, schedule: '*/15 * * * *', timeZone: 'Etc/UTC', mode: 'copy', parallelism: 2 })).toEqual([
      "'schedule' must match the bucket-sync controller's pattern (numbers, lists, ranges and n/m steps; no names, no */m), got \"*/15 * * * *\"",
      "'timeZone' is not supported by the bucket-sync controller (implementation 'controller'); leave it unset, got \"Etc/UTC\"",
      "'mode' is not supported by the bucket-sync controller (implementation 'controller'); leave it unset, got \"copy\"",
      "'parallelism' is not supported by the bucket-sync controller (implementation 'controller'); leave it unset, got 2",
    ]);
  });
});
