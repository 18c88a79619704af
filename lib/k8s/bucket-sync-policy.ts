import { ApiObject, Chart, Names } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as bucketSync from '../../imports/bucket-sync.homelab-helper.benfiola.com';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import {
  LEASE_VERBS,
  Problems,
  checkCronSchedule,
  checkTimeZone,
  longestIntervalSeconds,
  remoteEnvPrefix,
  type EnvironmentCredentials,
  type IrsaCredentials,
  type PodIdentityCredentials,
} from '../model';
import { ENGINE_POD_SECURITY_CONTEXT, engineContainer, engineServiceAccount, engineVolumes } from './engine-pod';

/**
 * A container environment variable in Kubernetes' `EnvVar` shape: a literal `value`, or a value
 * taken from a Secret key, a ConfigMap key, a field of the pod or a resource of the container.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables
 */
export interface BucketSyncEnvVar {
  /** The rclone option, upper case, without prefix: `TYPE`, `PROVIDER`, `ENDPOINT`, `ACCESS_KEY_ID`, ... */
  readonly name: string;
  /** A literal value. Not allowed for credentials (`*_KEY*`, `*TOKEN*`, `*PASSWORD*`, `*SECRET*`). @default - from `valueFrom` */
  readonly value?: string;
  /** @default - the literal `value` */
  readonly valueFrom?: BucketSyncEnvVarSource;
}

/** Where an environment variable's value comes from: exactly one of these. */
export interface BucketSyncEnvVarSource {
  /** @default - not from a Secret */
  readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  /** @default - not from a ConfigMap */
  readonly configMapKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  /** @default - not from a pod field */
  readonly fieldRef?: { readonly fieldPath: string; readonly apiVersion?: string };
  /** @default - not from a container resource */
  readonly resourceFieldRef?: { readonly resource: string; readonly containerName?: string };
}

/** Cloud identity for one side, instead of keys: the pod's ServiceAccount gets credentials from EKS. */
export type BucketSyncIdentity = IrsaCredentials | PodIdentityCredentials | EnvironmentCredentials;

/** CPU and memory of the sync container, as Kubernetes quantities (`100m`, `256Mi`). */
export interface BucketSyncResources {
  /** @default { cpu: '100m', memory: '128Mi' } */
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  /** @default { memory: '512Mi' } */
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Metrics and alerts of the policy. */
export interface BucketSyncMetrics {
  /**
   * A Prometheus Pushgateway every run pushes its figures to (last success, duration, objects and
   * bytes copied, objects out of sync, lock wait), grouped under `job=<policy name>`.
   * @default - no push; alerts use kube-state-metrics only
   * @see https://github.com/prometheus/pushgateway
   */
  readonly pushgatewayUrl?: string;
  /**
   * Render a PrometheusRule (Prometheus Operator) alerting on a missed schedule and a failed sync.
   * @default true
   */
  readonly alerts?: boolean;
  /** Labels added to every alert, e.g. `{ severity: 'critical' }`. @default { severity: 'warning' } */
  readonly alertLabels?: Record<string, string>;
}

/** Which program runs the policy. */
export type BucketSyncImplementation = 'bucketbridge' | 'controller';

export interface BucketSyncPolicyProps {
  /**
   * Name of the CronJob (or custom resource) and prefix of the other objects.
   * @default - a name derived from the construct path
   */
  readonly name?: string;
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * What to sync from, in rclone notation: `bucket[/path]` or `source:bucket[/path]`. The remote is
   * always `source`, configured by `sourceEnv`.
   * @see https://rclone.org/docs/#syntax-of-remote-paths
   */
  readonly source: string;
  /** What to sync to: `bucket[/path]` or `destination:bucket[/path]`, configured by `destinationEnv`. */
  readonly destination: string;
  /**
   * rclone options of the source remote, prefixed with `RCLONE_CONFIG_SOURCE_` in the container.
   * @default - none (the remote must then be configured by `sourceIdentity` and the image)
   * @see https://rclone.org/s3/#standard-options
   */
  readonly sourceEnv?: readonly BucketSyncEnvVar[];
  /** rclone options of the destination remote, prefixed with `RCLONE_CONFIG_DESTINATION_`. @default - none */
  readonly destinationEnv?: readonly BucketSyncEnvVar[];
  /**
   * When to sync: a 5-field cron expression or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
   */
  readonly schedule: string;
  /**
   * IANA time zone of the schedule. Not supported by the controller.
   * @default - the kube-controller-manager's time zone (UTC on most clusters)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones
   */
  readonly timeZone?: string;
  /**
   * Finished syncs kept, successful and failed each (CronJob history limits; the controller's
   * BucketSync history).
   * @default - Kubernetes' defaults (3 successful, 1 failed); the controller keeps all
   */
  readonly syncHistoryLimit?: number;
  /** Labels of the sync pods (affinity, topology spread, classification). @default - none beyond the standard ones */
  readonly jobLabels?: Record<string, string>;
  /**
   * `bucketbridge` renders a CronJob running the engine, with Lease locks (nothing to install);
   * `controller` renders the bucket-sync controller's own BucketSyncPolicy resource instead.
   * @default 'bucketbridge'
   * @see https://benfiola.github.io/homelab-helper
   */
  readonly implementation?: BucketSyncImplementation;
  /** The bucketbridge image (bucketbridge implementation only; required there). @default - none */
  readonly image?: string;
  /** `sync` makes the destination identical (deletes extras); `copy` never deletes. @default 'sync' */
  readonly mode?: 'sync' | 'copy';
  /** Delete nothing and fail when a sync would delete more objects than this. @default - no limit */
  readonly maxDelete?: number;
  /** Only keys matching one of these globs. @default - every key */
  readonly include?: readonly string[];
  /** Skip keys matching these globs. @default - none */
  readonly exclude?: readonly string[];
  /** Requests moving bodies at once, per pod. @default 16 */
  readonly transfers?: number;
  /** Objects compared at once, per pod. @default 16 */
  readonly checkers?: number;
  /** @default { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } } */
  readonly resources?: BucketSyncResources;
  /** Stop scheduling new syncs (runs in progress finish). @default false */
  readonly suspend?: boolean;
  /**
   * Pods per sync, each syncing one shard of the key space (`--shard i/N`) of an Indexed Job.
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
   */
  readonly parallelism?: number;
  /** Pod failures (per sync) before the sync is marked failed. @default 2 */
  readonly backoffLimit?: number;
  /** Longest a sync may run, lock wait included. @default 21600 (6 hours) */
  readonly activeDeadlineSeconds?: number;
  /**
   * How late a missed schedule may still start (e.g. after the control plane was down).
   * @default - no limit
   */
  readonly startingDeadlineSeconds?: number;
  /** Longest a sync waits for the bucket locks before failing. @default 3600 */
  readonly lockTimeoutSeconds?: number;
  /**
   * Namespace of the bucket Leases. Every policy touching a bucket must use the same one.
   * @default - the policy's namespace
   */
  readonly lockNamespace?: string;
  /** Cloud identity of the source side, instead of keys in `sourceEnv`. @default - keys from sourceEnv */
  readonly sourceIdentity?: BucketSyncIdentity;
  /** Cloud identity of the destination side (e.g. IRSA for AWS). @default - keys from destinationEnv */
  readonly destinationIdentity?: BucketSyncIdentity;
  /** @default - alerts from kube-state-metrics, no push */
  readonly metrics?: BucketSyncMetrics;
}

/** Options of a one-off sync. */
export interface BucketSyncTriggerProps {
  /** @default - `<policy name>-<id>` */
  readonly name?: string;
}

/** The Lease permissions the engine needs: it reads, creates and updates leases, nothing else. */
const ENGINE_LEASE_VERBS = LEASE_VERBS;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const CREDENTIAL_NAME = /KEY|TOKEN|PASSWORD|SECRET|PASS$/;
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+|[KMGTPE]i?|[mkMGTPE])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** The schedule pattern of the bucket-sync controller's CRD (v10.2.5). */
const CONTROLLER_SCHEDULE = /^(@(annually|yearly|monthly|weekly|daily|hourly|reboot)|(((\d+,)+\d+|(\d+([/-])\d+)|\d+|\*)\s?){5})$/;
/** CronJob names leave 11 characters for the Job suffix. */
const CRONJOB_NAME_MAX = 52;
const CONTAINER = 'sync';

interface Side {
  readonly remote: 'source' | 'destination';
  /** `bucket[/path]` as written, without the remote. */
  readonly path: string;
  readonly env: readonly BucketSyncEnvVar[];
  readonly identity?: BucketSyncIdentity;
}

/**
 * A scheduled sync of one bucket (or path) to another, as the bucket-sync controller's
 * BucketSyncPolicy, without the controller: a CronJob runs `bucketbridge sync` (or `copy`), which
 * first takes a Kubernetes Lease on each of the two buckets, shared by every policy touching them,
 * so that no two syncs of one bucket overlap. Renders the CronJob, its ServiceAccount, a Role and
 * RoleBinding for exactly the Lease calls, and a PrometheusRule. With `implementation:
 * 'controller'` it renders the controller's own `BucketSyncPolicy` custom resource instead.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 * @see https://kubernetes.io/docs/concepts/architecture/leases/
 */
export class BucketSyncPolicy extends Construct {
  /** The CronJob's (or custom resource's) name. */
  readonly name: string;
  readonly namespace: string | undefined;
  readonly implementation: BucketSyncImplementation;
  /** The CronJob (bucketbridge implementation). */
  readonly cronJob?: k8s.KubeCronJob;
  readonly serviceAccount?: k8s.KubeServiceAccount;
  readonly role?: k8s.KubeRole;
  readonly roleBinding?: k8s.KubeRoleBinding;
  readonly prometheusRule?: PrometheusRule;
  /** The controller's BucketSyncPolicy (controller implementation). */
  readonly resource?: bucketSync.BucketSyncPolicy;
  private readonly props: BucketSyncPolicyProps;
  private readonly source: Side;
  private readonly destination: Side;
  private readonly jobSpec?: k8s.JobSpec;
  private readonly podLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: BucketSyncPolicyProps) {
    super(scope, id);
    this.props = props;
    this.implementation = props.implementation ?? 'bucketbridge';
    this.namespace = props.namespace ?? Chart.of(this).namespace;
    this.name = props.name ?? Names.toDnsLabel(this, { maxLen: CRONJOB_NAME_MAX });
    const problems = new Problems(this.node.path);
    this.source = side(problems, 'source', props.source, props.sourceEnv, props.sourceIdentity);
    this.destination = side(problems, 'destination', props.destination, props.destinationEnv, props.destinationIdentity);
    validate(problems, props, this.implementation, this.name, this.namespace);
    problems.throwIfAny();
    this.podLabels = {
      ...(props.jobLabels ?? {}),
      'app.kubernetes.io/name': 'bucketbridge',
      'app.kubernetes.io/component': 'bucket-sync',
      'app.kubernetes.io/instance': this.name,
    };

    if (this.implementation === 'controller') {
      this.resource = new bucketSync.BucketSyncPolicy(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace },
        spec: {
          source: props.source,
          destination: props.destination,
          schedule: props.schedule,
          syncHistoryLimit: props.syncHistoryLimit,
          sourceEnv: props.sourceEnv?.map(plainEnv),
          destinationEnv: props.destinationEnv?.map(plainEnv),
          jobLabels: props.jobLabels,
        },
      });
      return;
    }

    const metadata = (name: string, namespace = this.namespace): k8s.ObjectMeta => ({ name, namespace, labels: this.objectLabels() });
    const identities = [this.source.identity, this.destination.identity].filter((i): i is BucketSyncIdentity => i !== undefined);
    const irsa = identities.find((i): i is IrsaCredentials => i.kind === 'irsa');
    this.serviceAccount = engineServiceAccount(this, 'ServiceAccount', { metadata: metadata(this.name), irsaRoleArn: irsa?.roleArn, automountServiceAccountToken: true });
    const lockNamespace = props.lockNamespace ?? this.namespace;
    this.role = new k8s.KubeRole(this, 'LeaseRole', {
      metadata: metadata(`${this.name}-locks`, lockNamespace),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...ENGINE_LEASE_VERBS] }],
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'LeaseRoleBinding', {
      metadata: metadata(`${this.name}-locks`, lockNamespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${this.name}-locks` },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: lockNamespace === this.namespace ? undefined : this.namespace }],
    });
    this.jobSpec = this.renderJobSpec(lockNamespace);
    this.cronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: metadata(this.name),
      spec: {
        schedule: props.schedule,
        timeZone: props.timeZone,
        concurrencyPolicy: 'Forbid',
        suspend: props.suspend ?? false,
        startingDeadlineSeconds: props.startingDeadlineSeconds,
        successfulJobsHistoryLimit: props.syncHistoryLimit,
        failedJobsHistoryLimit: props.syncHistoryLimit,
        jobTemplate: { metadata: { labels: this.podLabels }, spec: this.jobSpec },
      },
    });
    if (props.metrics?.alerts ?? true) this.prometheusRule = this.renderAlerts();
  }

  /**
   * A one-off sync now, as `kubectl create job --from=cronjob/<name>` makes: a Job from the
   * CronJob's template (bucketbridge), or a BucketSync resource for the controller. Apply it once;
   * it takes the same locks as the scheduled runs.
   */
  trigger(id: string, props: BucketSyncTriggerProps = {}): ApiObject {
    const name = props.name ?? `${this.name}-${id.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');
    const problems = new Problems(`${this.node.path}/${id}`);
    problems.check(DNS_LABEL.test(name) && name.length <= 63, 'name', 'must be a DNS label of at most 63 characters', name);
    problems.throwIfAny();
    if (this.implementation === 'controller') {
      return new bucketSync.BucketSync(this, id, {
        metadata: { name, namespace: this.namespace },
        spec: {
          policy: this.name,
          source: this.props.source,
          destination: this.props.destination,
          sourceEnv: this.props.sourceEnv?.map(plainEnv),
          destinationEnv: this.props.destinationEnv?.map(plainEnv),
          jobLabels: this.props.jobLabels,
        },
      });
    }
    return new k8s.KubeJob(this, id, {
      metadata: { name, namespace: this.namespace, labels: this.podLabels, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } },
      spec: this.jobSpec,
    });
  }

  private objectLabels(): Record<string, string> {
    return { 'app.kubernetes.io/name': 'bucketbridge', 'app.kubernetes.io/component': 'bucket-sync', 'app.kubernetes.io/instance': this.name };
  }

  /** The engine's command line: the verb, both locations, the lock, shard and tuning flags. */
  private engineArgs(lockNamespace: string | undefined, shards: number): string[] {
    const props = this.props;
    const args = [props.mode ?? 'sync', `source:${this.source.path}`, `destination:${this.destination.path}`, '--json'];
    args.push('--lock-namespace', lockNamespace ?? '', '--lock-timeout', String(props.lockTimeoutSeconds ?? 3600));
    args.push('--holder', '$(BUCKETBRIDGE_JOB_NAME)', '--lock-member', '$(BUCKETBRIDGE_POD_NAME)');
    if (shards > 1) args.push('--shard', `$(BUCKETBRIDGE_SHARD_INDEX)/${shards}`);
    if (props.maxDelete !== undefined) args.push('--max-delete', String(props.maxDelete));
    for (const glob of props.include ?? []) args.push('--include', glob);
    for (const glob of props.exclude ?? []) args.push('--exclude', glob);
    args.push('--transfers', String(props.transfers ?? 16), '--checkers', String(props.checkers ?? 16));
    if (props.metrics?.pushgatewayUrl !== undefined) args.push('--metrics-push-url', props.metrics.pushgatewayUrl, '--metrics-push-job', this.name);
    return args;
  }

  private renderJobSpec(lockNamespace: string | undefined): k8s.JobSpec {
    const props = this.props;
    const shards = props.parallelism ?? 1;
    const field = (fieldPath: string): k8s.EnvVarSource => ({ fieldRef: { fieldPath } });
    const env: k8s.EnvVar[] = [
      { name: 'BUCKETBRIDGE_JOB_NAME', valueFrom: field("metadata.labels['batch.kubernetes.io/job-name']") },
      { name: 'BUCKETBRIDGE_POD_NAME', valueFrom: field('metadata.name') },
      ...(shards > 1 ? [{ name: 'BUCKETBRIDGE_SHARD_INDEX', valueFrom: field("metadata.annotations['batch.kubernetes.io/job-completion-index']") }] : []),
      ...sideEnv(this.source),
      ...sideEnv(this.destination),
    ];
    const requests = { cpu: '100m', memory: '128Mi', ...(props.resources?.requests ?? {}) };
    const limits = { memory: '512Mi', ...(props.resources?.limits ?? {}) };
    return {
      backoffLimit: props.backoffLimit ?? 2,
      activeDeadlineSeconds: props.activeDeadlineSeconds ?? 21_600,
      ...(shards > 1 ? { completionMode: 'Indexed', completions: shards, parallelism: shards } : {}),
      // A configuration error (exit code 2) fails the sync at once instead of being retried.
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: CONTAINER, operator: 'In', values: [2] }, onPodConditions: [] }] },
      template: {
        metadata: { labels: this.podLabels },
        spec: {
          serviceAccountName: this.name,
          restartPolicy: 'Never',
          securityContext: ENGINE_POD_SECURITY_CONTEXT,
          containers: [engineContainer({ name: CONTAINER, image: props.image, args: this.engineArgs(lockNamespace, shards), env, resources: { requests, limits } })],
          volumes: engineVolumes(),
        },
      },
    };
  }

  private renderAlerts(): PrometheusRule {
    const props = this.props;
    const ns = this.namespace === undefined ? '' : `namespace="${this.namespace}", `;
    const cronjob = `${ns}cronjob="${this.name}"`;
    // A healthy policy succeeds at least once per longest gap between runs, plus one run's deadline.
    const late = longestIntervalSeconds(props.schedule, props.timeZone) + (props.activeDeadlineSeconds ?? 21_600);
    const labels = props.metrics?.alertLabels ?? { severity: 'warning' };
    const where = `${this.namespace === undefined ? '' : `{{ $labels.namespace }}/`}${this.name}`;
    const rules = [
      {
        alert: 'BucketSyncMissedSchedule',
        expr:
          `(time() - kube_cronjob_status_last_successful_time{${cronjob}} > ${late})` +
          ` or ((time() - kube_cronjob_created{${cronjob}} > ${late}) unless on(namespace, cronjob) kube_cronjob_status_last_successful_time{${cronjob}})`,
        for: '10m',
        labels,
        annotations: {
          summary: `Bucket sync ${where} has not succeeded on schedule`,
          description: `No successful sync of ${props.source} to ${props.destination} for more than ${late} s (schedule ${props.schedule}).`,
        },
      },
      {
        alert: 'BucketSyncFailed',
        expr: `(kube_job_status_failed{${ns}job_name=~".+"} > 0) and on(namespace, job_name) kube_job_owner{${ns}owner_kind="CronJob", owner_name="${this.name}"}`,
        labels,
        annotations: {
          summary: `Bucket sync ${where} failed`,
          description: 'Sync Job {{ $labels.job_name }} failed: see kubectl logs job/{{ $labels.job_name }} (the JSON summary is the last line).',
        },
      },
      ...(props.metrics?.pushgatewayUrl === undefined
        ? []
        : [
            {
              alert: 'BucketSyncOutOfSync',
              expr: `max by (job) (bucketbridge_run_out_of_sync_objects{job="${this.name}"}) > 0`,
              labels,
              annotations: {
                summary: `Bucket sync ${this.name} left objects out of sync`,
                description: 'The last run of {{ $labels.job }} left {{ $value }} objects different between source and destination.',
              },
            },
          ]),
    ];
    return new PrometheusRule(this, 'Alerts', {
      metadata: { name: `${this.name}-alerts`, namespace: this.namespace, labels: this.objectLabels() },
      spec: { groups: [{ name: `bucket-sync.${this.name}`, rules: rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })) }] },
    });
  }
}

function side(problems: Problems, remote: 'source' | 'destination', text: string, env: readonly BucketSyncEnvVar[] = [], identity?: BucketSyncIdentity): Side {
  const colon = text.indexOf(':');
  let path = text;
  if (colon >= 0) {
    const name = text.slice(0, colon);
    problems.check(name === remote, remote, `must be 'bucket[/path]' or '${remote}:bucket[/path]' (its remote is configured by ${remote}Env as ${remoteEnvPrefix(remote)}*)`, text);
    path = text.slice(colon + 1);
  }
  path = path.replace(/^\/+/, '');
  const bucket = path.split('/')[0] ?? '';
  problems.check(bucket !== '' && !/\s/.test(path), remote, "must name a bucket ('bucket[/path]') without spaces", text);
  const envProp = `${remote}Env`;
  const seen = new Set<string>();
  env.forEach((e, i) => {
    const prop = `${envProp}[${i}]`;
    problems.check(ENV_NAME.test(e.name), `${prop}.name`, `must be an upper-case rclone option name (it becomes ${remoteEnvPrefix(remote)}<NAME>)`, e.name);
    problems.check(!seen.has(e.name), `${prop}.name`, 'must be unique', e.name);
    seen.add(e.name);
    const hasValue = e.value !== undefined;
    const sources = e.valueFrom === undefined ? [] : Object.entries(e.valueFrom).filter(([, v]) => v !== undefined).map(([k]) => k);
    problems.check(hasValue !== (e.valueFrom !== undefined), prop, "must set exactly one of 'value' and 'valueFrom'", e);
    if (e.valueFrom !== undefined) {
      problems.check(sources.length === 1, `${prop}.valueFrom`, 'must set exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef', sources);
      for (const ref of ['secretKeyRef', 'configMapKeyRef'] as const) {
        const r = e.valueFrom[ref];
        if (r === undefined) continue;
        problems.check(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(r.name), `${prop}.valueFrom.${ref}.name`, 'must be a Kubernetes object name', r.name);
        problems.check(/^[-._a-zA-Z0-9]+$/.test(r.key), `${prop}.valueFrom.${ref}.key`, 'must be a valid Secret/ConfigMap key', r.key);
      }
    }
    if (hasValue && CREDENTIAL_NAME.test(e.name)) {
      problems.add(`${prop}.value`, 'must not be a literal credential: take it from a Secret (valueFrom.secretKeyRef)', '[redacted]');
    }
  });
  if (identity !== undefined) {
    const keys = env.filter((e) => e.name === 'ACCESS_KEY_ID' || e.name === 'SECRET_ACCESS_KEY').map((e) => e.name);
    problems.check(keys.length === 0, `${remote}Identity`, `cannot be combined with keys in ${envProp} (${keys.join(', ')})`, identity.kind);
    problems.check(!seen.has('ENV_AUTH'), `${envProp}`, `must not set ENV_AUTH when ${remote}Identity is given (it is set to true)`, 'ENV_AUTH');
    if (identity.kind === 'irsa') {
      problems.check(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(identity.roleArn), `${remote}Identity.roleArn`, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)', identity.roleArn);
    }
  }
  return { remote, path, env, identity };
}

function validate(problems: Problems, props: BucketSyncPolicyProps, implementation: BucketSyncImplementation, name: string, namespace: string | undefined): void {
  problems.check(implementation === 'bucketbridge' || implementation === 'controller', 'implementation', "must be 'bucketbridge' or 'controller'", implementation);
  problems.check(DNS_LABEL.test(name) && name.length <= CRONJOB_NAME_MAX, 'name', `must be a DNS label of at most ${CRONJOB_NAME_MAX} characters (a CronJob's Jobs add 11)`, name);
  if (checkCronSchedule(problems, 'schedule', props.schedule) && implementation === 'controller') {
    problems.check(CONTROLLER_SCHEDULE.test(props.schedule), 'schedule', "must match the bucket-sync controller's pattern (numbers, lists, ranges and n/m steps; no names, no */m)", props.schedule);
  }
  if (props.timeZone !== undefined) checkTimeZone(problems, 'timeZone', props.timeZone);
  if (props.syncHistoryLimit !== undefined) problems.checkInteger('syncHistoryLimit', props.syncHistoryLimit, 1);
  for (const [key, value] of Object.entries(props.jobLabels ?? {})) {
    problems.check(LABEL_NAME.test(key) && key.length <= 317, `jobLabels.${key}`, 'must be a valid label name', key);
    problems.check(LABEL_VALUE.test(value), `jobLabels.${key}`, 'must be a valid label value (at most 63 characters, alphanumerics, -, _, .)', value);
    problems.check(!key.startsWith('app.kubernetes.io/') || ['app.kubernetes.io/part-of', 'app.kubernetes.io/version'].includes(key), `jobLabels.${key}`, 'must not override the standard labels the policy sets', key);
  }
  if (implementation === 'controller') {
    const engineOnly = [
      'timeZone', 'image', 'mode', 'maxDelete', 'include', 'exclude', 'transfers', 'checkers', 'resources', 'suspend', 'parallelism',
      'backoffLimit', 'activeDeadlineSeconds', 'startingDeadlineSeconds', 'lockTimeoutSeconds', 'lockNamespace', 'sourceIdentity', 'destinationIdentity', 'metrics',
    ] as const;
    for (const prop of engineOnly) {
      problems.check(props[prop] === undefined, prop, "is not supported by the bucket-sync controller (implementation 'controller'); leave it unset", props[prop]);
    }
    return;
  }
  problems.check(typeof props.image === 'string' && props.image.length > 0, 'image', 'must name the bucketbridge image', props.image);
  problems.check(props.mode === undefined || props.mode === 'sync' || props.mode === 'copy', 'mode', "must be 'sync' or 'copy'", props.mode);
  if (props.maxDelete !== undefined) {
    problems.checkInteger('maxDelete', props.maxDelete, 0);
    problems.check(props.mode !== 'copy', 'maxDelete', "has no effect with mode 'copy' (it never deletes)", props.maxDelete);
  }
  if (props.transfers !== undefined) problems.checkInteger('transfers', props.transfers, 1, 1024);
  if (props.checkers !== undefined) problems.checkInteger('checkers', props.checkers, 1, 1024);
  if (props.parallelism !== undefined) problems.checkInteger('parallelism', props.parallelism, 1, 100_000);
  if (props.backoffLimit !== undefined) problems.checkInteger('backoffLimit', props.backoffLimit, 0);
  if (props.startingDeadlineSeconds !== undefined) problems.checkInteger('startingDeadlineSeconds', props.startingDeadlineSeconds, 10);
  const lockTimeout = props.lockTimeoutSeconds ?? 3600;
  if (props.lockTimeoutSeconds !== undefined) problems.checkInteger('lockTimeoutSeconds', props.lockTimeoutSeconds, 0);
  if (props.activeDeadlineSeconds !== undefined) problems.checkInteger('activeDeadlineSeconds', props.activeDeadlineSeconds, 1);
  const deadline = props.activeDeadlineSeconds ?? 21_600;
  problems.check(deadline > lockTimeout, 'activeDeadlineSeconds', `must be longer than lockTimeoutSeconds (${lockTimeout}), or a sync waiting for its locks is killed first`, deadline);
  for (const [kind, q] of Object.entries({ requests: props.resources?.requests, limits: props.resources?.limits })) {
    for (const [resource, value] of Object.entries(q ?? {})) {
      if (value !== undefined) problems.check(QUANTITY.test(value), `resources.${kind}.${resource}`, "must be a Kubernetes quantity such as '250m' or '512Mi'", value);
    }
  }
  if (props.lockNamespace !== undefined) {
    problems.check(DNS_LABEL.test(props.lockNamespace), 'lockNamespace', 'must be a namespace name', props.lockNamespace);
    problems.check(namespace !== undefined || props.lockNamespace === undefined, 'namespace', 'must be set (or the chart given one) when lockNamespace is, so the RoleBinding can name the ServiceAccount', namespace);
  }
  const roles = new Set([props.sourceIdentity, props.destinationIdentity].flatMap((i) => (i?.kind === 'irsa' ? [i.roleArn] : [])));
  problems.check(roles.size <= 1, 'sourceIdentity, destinationIdentity', 'must use at most one IRSA role between them (one ServiceAccount)', [...roles]);
  if (props.metrics?.pushgatewayUrl !== undefined) {
    problems.check(/^https?:\/\/[^\s/]+/.test(props.metrics.pushgatewayUrl), 'metrics.pushgatewayUrl', 'must be an http(s) URL', props.metrics.pushgatewayUrl);
  }
}

/** One side's variables, prefixed; a cloud identity adds `ENV_AUTH=true`. */
function sideEnv(side: Side): k8s.EnvVar[] {
  const prefix = remoteEnvPrefix(side.remote);
  const env: k8s.EnvVar[] = side.env.map((e) => ({ ...plainEnv(e), name: prefix + e.name }));
  if (side.identity !== undefined) env.push({ name: `${prefix}ENV_AUTH`, value: 'true' });
  return env;
}

/** An EnvVar as plain JSON, without unset fields. */
function plainEnv(e: BucketSyncEnvVar): k8s.EnvVar {
  return JSON.parse(JSON.stringify(e)) as k8s.EnvVar;
}
