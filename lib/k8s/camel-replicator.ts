import { createHash } from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import yaml from 'js-yaml';
import * as camel from '../../imports/camel.apache.org';
import * as rook from '../../imports/ceph.rook.io';
import * as strimzi from '../../imports/kafka.strimzi.io';
import * as monitoring from '../../imports/monitoring.coreos.com';
import * as obc from '../../imports/objectbucket.io';
import {
  CAMEL_REPLICATOR_NAMES,
  IRSA_ROLE_ANNOTATION,
  NATIVE_CONFIG_DIR,
  NATIVE_CONFIG_FILE,
  awsToCephIntegration,
  awsToCephNative,
  cephToAwsIntegration,
  cephToAwsNative,
  nativeAlertRules,
  nativeDashboard,
  replicatorAlertRules,
  replicatorDashboard,
  resolveCamelReplicatorProps,
  type CamelIntegrationPlan,
  type CamelReplicatorProps,
  type NativeEnginePlan,
  type ReplicatorSide,
  type ResolvedCamelReplicator,
  type ResolvedNativeEngine,
} from '../model';
import { ENGINE_POD_SECURITY_CONTEXT, engineContainer, engineServiceAccount, engineVolumes } from './engine-pod';

/** The label Grafana's dashboard sidecar looks for. */
const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/** AWS SDK settings of the Integrations' pods: checksums only where S3 requires them (RGW before Reef). */
export const SDK_CHECKSUM_ENV = ['AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED', 'AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED'] as const;

/**
 * Bidirectional, event-driven replication between a Rook Ceph object store (on-prem) and AWS S3,
 * with two Camel K Integrations as in the runbook's "On-Prem ↔ AWS" scenario. Renders one Chart per
 * cluster into `scope`:
 *
 * - `<id>-on-prem` (Direction 1, Ceph -> AWS): the CephObjectStoreUser the replicators use, optional
 *   ObjectBucketClaims labelled for the notification, a CephBucketTopic pushing to Kafka, the
 *   CephBucketNotification (created and removed events), optional Strimzi KafkaTopics, the
 *   `ceph-to-aws-replicator` Integration, its PrometheusRule and Grafana dashboard.
 * - `<id>-aws` (Direction 2, AWS -> Ceph): the `aws-to-ceph-replicator` Integration consuming the SQS
 *   queue of the bucket's event notifications and writing to the external RGW endpoint, its
 *   ServiceAccount (IRSA annotation on EKS), PrometheusRule and dashboard.
 *
 * Each record of every event is handled on its own; keys are URL-decoded once; each bucket pair maps
 * to its own destination bucket and prefix; objects are streamed; each Integration skips the other's
 * writes by the `userIdentity.principalId` in the event; credentials are only `{{secret:...}}`
 * placeholders of mounted Secrets; failed records go to a dead-letter topic or queue.
 *
 * With `engine: 'native'` each chart renders, instead of the Integration, bucketbridge's own engine
 * from the same props: a ConfigMap with the generated `bucketbridge replicate` configuration
 * (checked against the engine's schema at synth time), a Deployment of the runtime image (remotes
 * from Secret references, or IRSA / Pod Identity through its ServiceAccount), a
 * PodDisruptionBudget, a PodMonitor, and the same alerts and dashboard on the engine's metrics.
 *
 * @see https://camel.apache.org/camel-k/latest/
 * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-notifications/
 */
export class CamelReplicator extends Construct {
  /** The resolved settings, defaults applied. */
  readonly settings: ResolvedCamelReplicator;
  /** The on-prem chart, when the ceph-to-aws direction runs. */
  readonly onPremChart?: Chart;
  /** The AWS cluster chart, when the aws-to-ceph direction runs. */
  readonly awsChart?: Chart;

  constructor(scope: Construct, id: string, props: CamelReplicatorProps) {
    super(scope, id);
    const r = resolveCamelReplicatorProps(this.node.path, props);
    this.settings = r;
    if (r.cephToAws) {
      const chart = new Chart(scope, `${id}-on-prem`, { namespace: r.namespace });
      this.onPremChart = chart;
      renderCephSide(chart, r);
      if (r.native) renderNativeEngine(chart, r, r.native, cephToAwsNative(r, CAMEL_REPLICATOR_NAMES.cephToAws));
      else renderIntegration(chart, r, cephToAwsIntegration(r), undefined);
      renderObservability(chart, r, 'on-prem');
    }
    if (r.awsToCeph) {
      const chart = new Chart(scope, `${id}-aws`, { namespace: r.namespace });
      this.awsChart = chart;
      if (r.native) {
        renderNativeEngine(chart, r, r.native, awsToCephNative(r, CAMEL_REPLICATOR_NAMES.awsToCeph));
      } else {
        const serviceAccount = renderServiceAccount(chart, r);
        renderIntegration(chart, r, awsToCephIntegration(r), serviceAccount);
      }
      renderObservability(chart, r, 'aws');
    }
  }
}

function labels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': CAMEL_REPLICATOR_NAMES.component,
    'app.kubernetes.io/part-of': CAMEL_REPLICATOR_NAMES.partOf,
  };
}

function renderCephSide(chart: Chart, r: ResolvedCamelReplicator): void {
  const kafka = r.kafka;
  if (!kafka) throw new Error('ceph-to-aws without kafka after validation');
  new rook.CephObjectStoreUser(chart, 'User', {
    metadata: { name: r.ceph.userName, labels: labels(r.ceph.userName) },
    spec: { store: r.ceph.objectStoreName, clusterNamespace: r.ceph.objectStoreNamespace, displayName: r.ceph.userName },
  });

  // RGW publishes to the Kafka topic named like its notification topic: the CephBucketTopic is named
  // after the Kafka topic the Integration consumes.
  const topic = new rook.CephBucketTopic(chart, 'Topic', {
    metadata: { name: kafka.topic, labels: labels(CAMEL_REPLICATOR_NAMES.cephToAws) },
    spec: {
      objectStoreName: r.ceph.objectStoreName,
      objectStoreNamespace: r.ceph.objectStoreNamespace,
      persistent: kafka.persistent,
      endpoint: {
        kafka: {
          uri: kafka.bootstrapServers,
          useSsl: kafka.useSSL,
          ackLevel: kafka.ackLevel as rook.CephBucketTopicSpecEndpointKafkaAckLevel,
          ...(kafka.sasl
            ? {
                mechanism: kafka.sasl.mechanism as rook.CephBucketTopicSpecEndpointKafkaMechanism,
                userSecretRef: { name: kafka.sasl.secretName, key: kafka.sasl.usernameKey },
                passwordSecretRef: { name: kafka.sasl.secretName, key: kafka.sasl.passwordKey },
              }
            : {}),
        },
      },
    },
  });

  const { prefix, suffix, regex } = r.ceph.notificationFilter;
  const keyFilters = [
    ...(prefix ? [{ name: rook.CephBucketNotificationSpecFilterKeyFiltersName.PREFIX, value: prefix }] : []),
    ...(suffix ? [{ name: rook.CephBucketNotificationSpecFilterKeyFiltersName.SUFFIX, value: suffix }] : []),
    ...(regex ? [{ name: rook.CephBucketNotificationSpecFilterKeyFiltersName.REGEX, value: regex }] : []),
  ];
  const notification = new rook.CephBucketNotification(chart, 'Notification', {
    metadata: { name: CAMEL_REPLICATOR_NAMES.notification, labels: labels(CAMEL_REPLICATOR_NAMES.cephToAws) },
    spec: {
      topic: kafka.topic,
      events: [
        rook.CephBucketNotificationSpecEvents.S3_OBJECT_CREATED_ASTERISK,
        rook.CephBucketNotificationSpecEvents.S3_OBJECT_REMOVED_ASTERISK,
      ],
      filter: keyFilters.length > 0 ? { keyFilters } : undefined,
    },
  });
  notification.addDependency(topic);

  const claimed = new Set<string>();
  for (const bucket of r.buckets) {
    if (bucket.claimStorageClassName === undefined || claimed.has(bucket.cephBucket)) continue;
    claimed.add(bucket.cephBucket);
    const claim = new obc.ObjectBucketClaim(chart, `Claim-${bucket.cephBucket}`, {
      metadata: {
        name: bucket.cephBucket,
        // Rook binds a CephBucketNotification to the buckets of OBCs carrying this label.
        labels: { [`bucket-notification-${CAMEL_REPLICATOR_NAMES.notification}`]: CAMEL_REPLICATOR_NAMES.notification },
      },
      spec: { bucketName: bucket.cephBucket, storageClassName: bucket.claimStorageClassName },
    });
    claim.addDependency(notification);
  }

  const strimziTopic = kafka.strimziTopic;
  if (strimziTopic) {
    for (const [cid, name] of [['KafkaTopic', kafka.topic], ['DeadLetterKafkaTopic', kafka.deadLetterTopic]] as const) {
      new strimzi.KafkaTopic(chart, cid, {
        metadata: { name, namespace: strimziTopic.namespace, labels: { 'strimzi.io/cluster': strimziTopic.clusterName } },
        spec: {
          partitions: strimziTopic.partitions,
          replicas: strimziTopic.replicas,
          config: { 'retention.ms': strimziTopic.retentionMs },
        },
      });
    }
  }
}

function renderServiceAccount(chart: Chart, r: ResolvedCamelReplicator): string | undefined {
  const identity = r.aws.clusterIdentity;
  if (!identity || identity.kind === 'secret') return undefined;
  const name = CAMEL_REPLICATOR_NAMES.awsToCeph;
  new k8s.KubeServiceAccount(chart, 'ServiceAccount', {
    metadata: {
      name,
      labels: labels(name),
      annotations: identity.kind === 'irsa' ? { [IRSA_ROLE_ANNOTATION]: identity.roleArn } : undefined,
    },
  });
  return name;
}

function renderIntegration(
  chart: Chart,
  r: ResolvedCamelReplicator,
  plan: CamelIntegrationPlan,
  serviceAccountName: string | undefined,
): ApiObject {
  const { resources } = r;
  return new camel.Integration(chart, 'Integration', {
    metadata: {
      name: plan.name,
      annotations: { 'camel.apache.org/operator.id': r.operatorId },
      labels: labels(plan.name),
    },
    spec: {
      dependencies: plan.dependencies,
      serviceAccountName,
      traits: {
        mount: { configs: plan.secrets.map((secret) => `secret:${secret}`) },
        container: {
          requestCpu: resources.requestCPU,
          requestMemory: resources.requestMemory,
          limitCpu: resources.limitCPU,
          limitMemory: resources.limitMemory,
        },
        // Both Integrations talk to Ceph RGW, which before Reef (18) refuses the AWS SDK for Java's
        // default trailing CRC32 checksums with 400; the SDK then sends checksums only where S3 requires them.
        environment: { vars: [...SDK_CHECKSUM_ENV] },
        health: { enabled: true, livenessProbeEnabled: true, readinessProbeEnabled: true },
        prometheus: { enabled: true, podMonitor: true },
      },
      flows: plan.flows,
    },
  });
}

function renderObservability(chart: Chart, r: ResolvedCamelReplicator, side: ReplicatorSide): void {
  new monitoring.PrometheusRule(chart, 'Alerts', {
    metadata: { name: CAMEL_REPLICATOR_NAMES.rules, labels: labels(CAMEL_REPLICATOR_NAMES.rules) },
    spec: {
      groups: [
        {
          name: CAMEL_REPLICATOR_NAMES.partOf,
          rules: (r.native ? nativeAlertRules(r, side) : replicatorAlertRules(r, side)).map((rule) => ({
            alert: rule.alert,
            expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
            for: rule.for,
            labels: { ...rule.labels },
            annotations: { ...rule.annotations },
          })),
        },
      ],
    },
  });
  new k8s.KubeConfigMap(chart, 'Dashboard', {
    metadata: {
      name: CAMEL_REPLICATOR_NAMES.dashboard,
      labels: { ...labels(CAMEL_REPLICATOR_NAMES.dashboard), [GRAFANA_DASHBOARD_LABEL]: '1' },
    },
    data: { [`${CAMEL_REPLICATOR_NAMES.partOf}-${side}.json`]: JSON.stringify(r.native ? nativeDashboard(r, side) : replicatorDashboard(r, side), null, 2) },
  });
}

/** The container's name in the native engine's pods. */
export const NATIVE_CONTAINER = 'replicate';

/**
 * One direction on the native engine: the generated configuration (ConfigMap), the ServiceAccount,
 * the Deployment running `bucketbridge replicate`, its PodDisruptionBudget and PodMonitor.
 */
function renderNativeEngine(chart: Chart, r: ResolvedCamelReplicator, n: ResolvedNativeEngine, plan: NativeEnginePlan): void {
  const objectLabels = labels(plan.name);
  const selector = { 'app.kubernetes.io/name': plan.name, 'app.kubernetes.io/component': CAMEL_REPLICATOR_NAMES.component };
  const configText = yaml.dump(plan.config, { lineWidth: -1, noRefs: true });
  const configMapName = `${plan.name}-config`;
  new k8s.KubeConfigMap(chart, 'EngineConfig', {
    metadata: { name: configMapName, labels: objectLabels },
    data: { [NATIVE_CONFIG_FILE]: configText },
  });
  engineServiceAccount(chart, 'ServiceAccount', {
    metadata: { name: plan.name, labels: objectLabels, annotations: plan.serviceAccountAnnotations },
    automountServiceAccountToken: plan.automountServiceAccountToken,
  });
  const { resources } = r;
  const probe = (path: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
    httpGet: { path, port: k8s.IntOrString.fromString('metrics') },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  new k8s.KubeDeployment(chart, 'Deployment', {
    metadata: { name: plan.name, labels: objectLabels },
    spec: {
      replicas: n.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: objectLabels,
          // A changed configuration rolls the pods (a mounted ConfigMap alone would not restart the engine).
          annotations: { 'bucketbridge.dev/config-sha256': createHash('sha256').update(configText).digest('hex') },
        },
        spec: {
          serviceAccountName: plan.name,
          automountServiceAccountToken: plan.automountServiceAccountToken,
          // The engine drains work in flight for drainSeconds after SIGTERM, then flushes its logs.
          terminationGracePeriodSeconds: n.drainSeconds + 15,
          securityContext: ENGINE_POD_SECURITY_CONTEXT,
          containers: [
            engineContainer({
              name: NATIVE_CONTAINER,
              image: n.image,
              args: plan.args,
              env: plan.env.map((e) => ({ ...e })),
              ports: [{ name: 'metrics', containerPort: n.metricsPort, protocol: 'TCP' }],
              livenessProbe: probe('/healthz', 10, 3),
              readinessProbe: probe('/readyz', 5, 2),
              resources: {
                requests: { cpu: resources.requestCPU, memory: resources.requestMemory },
                limits: { cpu: resources.limitCPU, memory: resources.limitMemory },
              },
              volumeMounts: [
                { name: 'config', mountPath: NATIVE_CONFIG_DIR, readOnly: true },
                ...plan.secretMounts.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: true })),
              ],
            }),
          ],
          volumes: [
            ...engineVolumes(),
            { name: 'config', configMap: { name: configMapName } },
            ...plan.secretMounts.map((m) => ({ name: m.name, secret: { secretName: m.secretName, items: [{ key: m.key, path: m.key }] } })),
          ],
        },
      },
    },
  });
  new k8s.KubePodDisruptionBudget(chart, 'DisruptionBudget', {
    metadata: { name: plan.name, labels: objectLabels },
    spec: { minAvailable: k8s.IntOrString.fromNumber(n.podDisruptionBudgetMinAvailable), selector: { matchLabels: selector } },
  });
  new monitoring.PodMonitor(chart, 'PodMonitor', {
    metadata: { name: plan.name, labels: objectLabels },
    spec: {
      selector: { matchLabels: selector },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }],
    },
  });
}
