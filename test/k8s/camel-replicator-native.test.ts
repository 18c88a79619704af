import Ajv from 'ajv';
import { Testing } from 'cdk8s';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CamelReplicator, NATIVE_CONTAINER } from '../../lib/k8s';
import { REPLICATE_CONFIG_SCHEMA, ValidationError, type CamelReplicatorProps } from '../../lib/model';
import { field, findAllByKind, findByKind, synthAndValidate, type KubeObject } from '../support/manifests';

const IMAGE = 'ghcr.io/example/bucketbridge:0.1.0';

/** The runbook's topology on the native engine. */
function props(overrides: Partial<CamelReplicatorProps> = {}): CamelReplicatorProps {
  return {
    engine: 'native',
    native: { image: IMAGE },
    buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1', claimStorageClassName: 'ceph-bucket' }],
    ceph: {
      objectStoreName: 'ceph-objectstore',
      externalEndpoint: 'https://rgw.example.com',
      remoteCredentials: { secretName: 'ceph-rgw-credentials' },
    },
    kafka: { bootstrapServers: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9092' },
    aws: {
      region: 'af-south-1',
      accountId: '123456789012',
      onPremCredentials: { secretName: 'aws-s3-credentials' },
      clusterIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::123456789012:role/aws-to-ceph-replicator' },
    },
    loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
    ...overrides,
  };
}

function synth(p: CamelReplicatorProps): { onPrem: KubeObject[]; aws: KubeObject[] } {
  const app = Testing.app();
  const replicator = new CamelReplicator(app, 's3-replicator', p);
  return {
    onPrem: replicator.onPremChart ? synthAndValidate(replicator.onPremChart) : [],
    aws: replicator.awsChart ? synthAndValidate(replicator.awsChart) : [],
  };
}

function errorOf(p: CamelReplicatorProps): string {
  try {
    new CamelReplicator(Testing.app(), 's3-replicator', p);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}

const validateConfig = new Ajv({ allErrors: true, discriminator: true, strict: false }).compile(REPLICATE_CONFIG_SCHEMA);

/** The generated configuration in a chart's ConfigMap, checked against the engine's published schema. */
function configOf(objects: KubeObject[]): Record<string, unknown> {
  const configMap = findAllByKind(objects, 'ConfigMap').find((c) => c.metadata.name.endsWith('-config')) as KubeObject;
  const doc = yaml.load((configMap.data as Record<string, string>)['replicate.yaml'] as string) as Record<string, unknown>;
  expect(validateConfig(doc), JSON.stringify(validateConfig.errors)).toBe(true);
  return doc;
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
  [key: string]: unknown;
}

function containerOf(objects: KubeObject[]): Container {
  const containers = field(findByKind(objects, 'Deployment'), 'spec.template.spec.containers') as Container[];
  expect(containers.map((c) => c.name)).toEqual([NATIVE_CONTAINER]);
  return containers[0] as Container;
}

function envOf(container: Container): Record<string, unknown> {
  return Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
}

const defaults = synth(props());

describe('CamelReplicator with engine native', () => {
  it('renders the same Rook side as Camel K and, instead of the Integration, the engine objects, all schema-valid', () => {
    expect(defaults.onPrem.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'CephObjectStoreUser/s3-replicator',
      'CephBucketTopic/ceph-bucket-notifications',
      'CephBucketNotification/s3-replication-notification',
      'ObjectBucketClaim/s3-replication-test',
      'ConfigMap/ceph-to-aws-replicator-config',
      'ServiceAccount/ceph-to-aws-replicator',
      'Deployment/ceph-to-aws-replicator',
      'PodDisruptionBudget/ceph-to-aws-replicator',
      'PodMonitor/ceph-to-aws-replicator',
      'PrometheusRule/s3-replicator-alerts',
      'ConfigMap/s3-replicator-dashboard',
    ]);
    expect(defaults.aws.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/aws-to-ceph-replicator-config',
      'ServiceAccount/aws-to-ceph-replicator',
      'Deployment/aws-to-ceph-replicator',
      'PodDisruptionBudget/aws-to-ceph-replicator',
      'PodMonitor/aws-to-ceph-replicator',
      'PrometheusRule/s3-replicator-alerts',
      'ConfigMap/s3-replicator-dashboard',
    ]);
    const camel = synth({ ...props(), engine: undefined, native: undefined });
    for (const kind of ['CephObjectStoreUser', 'CephBucketTopic', 'CephBucketNotification', 'ObjectBucketClaim']) {
      expect(findByKind(defaults.onPrem, kind)).toEqual(findByKind(camel.onPrem, kind));
    }
    expect([...defaults.onPrem, ...defaults.aws].every((o) => o.metadata.namespace === 's3-replicator')).toBe(true);
  });

  it('generates the on-prem configuration: the Kafka topic RGW publishes to, the bucket pair, the Ceph loop guard, retries', () => {
    expect(configOf(defaults.onPrem)).toEqual({
      sources: [
        {
          name: 'ceph-notifications',
          type: 'kafka',
          keyEncoding: 'raw',
          brokers: ['kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9092'],
          topic: 'ceph-bucket-notifications',
          groupId: 's3-replicator-ceph-to-aws',
          deadLetterTopic: 'ceph-bucket-notifications-dlq',
          clientId: 'ceph-to-aws-replicator',
          fromBeginning: true,
        },
      ],
      routes: [{ name: 's3-replication-test', source: 'ceph:s3-replication-test', destination: 'aws:rciis-ceph-replica-af-south-1', ignorePrincipals: ['s3-replicator'] }],
      concurrency: 16,
      retry: { attempts: 4, baseDelayMs: 1000 },
      listen: '8080',
      drainSeconds: 30,
    });
  });

  it('generates the AWS configuration: the SQS queue and dead-letter queue by URL, the AWS loop guard, URL-encoded keys', () => {
    expect(configOf(defaults.aws)).toEqual({
      sources: [
        {
          name: 'aws-notifications',
          type: 'sqs',
          keyEncoding: 'url',
          queueUrl: 'https://sqs.af-south-1.amazonaws.com/123456789012/rciis-s3-replication-events',
          region: 'af-south-1',
          deadLetterQueueUrl: 'https://sqs.af-south-1.amazonaws.com/123456789012/rciis-s3-replication-dlq',
          visibilityTimeoutSeconds: 300,
          maxMessages: 10,
          waitTimeSeconds: 20,
        },
      ],
      routes: [{ name: 'rciis-ceph-replica-af-south-1', source: 'aws:rciis-ceph-replica-af-south-1', destination: 'ceph:s3-replication-test', ignorePrincipals: ['AWS:AIDAEXAMPLEREPLICATOR01'] }],
      concurrency: 16,
      retry: { attempts: 4, baseDelayMs: 1000 },
      listen: '8080',
      drainSeconds: 30,
    });
  });

  it('runs bucketbridge replicate on the mounted configuration, hardened, with probes on the metrics port', () => {
    const deployment = findByKind(defaults.onPrem, 'Deployment');
    const container = containerOf(defaults.onPrem);
    expect(container.image).toBe(IMAGE);
    expect(container.args).toEqual(['replicate', '--config', '/etc/bucketbridge/replicate.yaml', '--log-level', 'info']);
    expect(container).toMatchObject({
      ports: [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' } },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/bucketbridge', readOnly: true }],
    });
    expect(field(deployment, 'spec.replicas')).toBe(1);
    expect(field(deployment, 'spec.template.spec')).toMatchObject({
      serviceAccountName: 'ceph-to-aws-replicator',
      terminationGracePeriodSeconds: 45,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'ceph-to-aws-replicator-config' } }],
    });
    // Pods, PDB and PodMonitor select the same pods.
    const selector = field(deployment, 'spec.selector.matchLabels');
    expect(field(deployment, 'spec.template.metadata.labels')).toMatchObject(selector as object);
    expect(field(findByKind(defaults.onPrem, 'PodDisruptionBudget'), 'spec')).toEqual({ minAvailable: 0, selector: { matchLabels: selector } });
    expect(field(findByKind(defaults.onPrem, 'PodMonitor'), 'spec')).toEqual({ selector: { matchLabels: selector }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] });
  });

  it('rolls the pods when the generated configuration changes', () => {
    const checksum = (objects: KubeObject[]) => field(findByKind(objects, 'Deployment'), 'spec.template.metadata.annotations');
    const changed = synth(props({ maximumRedeliveries: 5 }));
    expect(checksum(defaults.onPrem)).toEqual({ 'bucketbridge.dev/config-sha256': expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(checksum(changed.onPrem)).not.toEqual(checksum(defaults.onPrem));
    expect(configOf(changed.onPrem).retry).toEqual({ attempts: 6, baseDelayMs: 1000 });
  });

  it('configures the remotes from Secrets on-prem and from IRSA on the AWS cluster', () => {
    expect(envOf(containerOf(defaults.onPrem))).toEqual({
      RCLONE_CONFIG_CEPH_TYPE: 's3',
      RCLONE_CONFIG_CEPH_PROVIDER: 'Ceph',
      RCLONE_CONFIG_CEPH_ENDPOINT: 'http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80',
      RCLONE_CONFIG_CEPH_REGION: 'us-east-1',
      RCLONE_CONFIG_CEPH_ACCESS_KEY_ID: { secretKeyRef: { name: 'rook-ceph-object-user-ceph-objectstore-s3-replicator', key: 'AccessKey' } },
      RCLONE_CONFIG_CEPH_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'rook-ceph-object-user-ceph-objectstore-s3-replicator', key: 'SecretKey' } },
      RCLONE_CONFIG_AWS_TYPE: 's3',
      RCLONE_CONFIG_AWS_PROVIDER: 'AWS',
      RCLONE_CONFIG_AWS_REGION: 'af-south-1',
      RCLONE_CONFIG_AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'aws-s3-credentials', key: 'access-key' } },
      RCLONE_CONFIG_AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'aws-s3-credentials', key: 'secret-key' } },
    });
    expect(findByKind(defaults.onPrem, 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false });
    expect(findByKind(defaults.onPrem, 'ServiceAccount').metadata.annotations).toBeUndefined();

    expect(envOf(containerOf(defaults.aws))).toEqual({
      RCLONE_CONFIG_AWS_TYPE: 's3',
      RCLONE_CONFIG_AWS_PROVIDER: 'AWS',
      RCLONE_CONFIG_AWS_REGION: 'af-south-1',
      RCLONE_CONFIG_AWS_ENV_AUTH: 'true',
      RCLONE_CONFIG_CEPH_TYPE: 's3',
      RCLONE_CONFIG_CEPH_PROVIDER: 'Ceph',
      RCLONE_CONFIG_CEPH_ENDPOINT: 'https://rgw.example.com',
      RCLONE_CONFIG_CEPH_REGION: 'us-east-1',
      RCLONE_CONFIG_CEPH_ACCESS_KEY_ID: { secretKeyRef: { name: 'ceph-rgw-credentials', key: 'AccessKey' } },
      RCLONE_CONFIG_CEPH_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'ceph-rgw-credentials', key: 'SecretKey' } },
      AWS_REGION: 'af-south-1',
    });
    const serviceAccount = findByKind(defaults.aws, 'ServiceAccount');
    expect(serviceAccount).toMatchObject({ automountServiceAccountToken: true });
    expect(serviceAccount.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/aws-to-ceph-replicator' });
    expect(field(findByKind(defaults.aws, 'Deployment'), 'spec.template.spec.automountServiceAccountToken')).toBe(true);
  });

  it('gives the SQS source and the AWS remote the keys of a Secret identity, and Pod Identity an unannotated ServiceAccount', () => {
    const secret = synth(props({ aws: { ...props().aws, clusterIdentity: { kind: 'secret', secretName: 'aws-keys' } } }));
    const env = envOf(containerOf(secret.aws));
    expect(env).toMatchObject({
      AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'aws-keys', key: 'AWS_ACCESS_KEY_ID' } },
      AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'aws-keys', key: 'AWS_SECRET_ACCESS_KEY' } },
      RCLONE_CONFIG_AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'aws-keys', key: 'AWS_ACCESS_KEY_ID' } },
    });
    expect(env).not.toHaveProperty('RCLONE_CONFIG_AWS_ENV_AUTH');
    expect(findByKind(secret.aws, 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false });

    const podIdentity = synth(props({ aws: { ...props().aws, clusterIdentity: { kind: 'podIdentity' } } }));
    const serviceAccount = findByKind(podIdentity.aws, 'ServiceAccount');
    expect(serviceAccount).toMatchObject({ automountServiceAccountToken: true });
    expect(serviceAccount.metadata.annotations).toBeUndefined();
    expect(envOf(containerOf(podIdentity.aws))).toMatchObject({ RCLONE_CONFIG_AWS_ENV_AUTH: 'true' });
  });

  it('writes no literal credential: every credential variable is a Secret key reference', () => {
    for (const objects of [defaults.onPrem, defaults.aws, synth(props({ aws: { ...props().aws, clusterIdentity: { kind: 'secret', secretName: 'k' } } })).aws]) {
      for (const e of containerOf(objects).env.filter((v) => /KEY|SECRET|TOKEN|PASSWORD/.test(v.name))) {
        expect(e.value, e.name).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
      }
      expect(JSON.stringify(objects)).not.toMatch(/AKIA|ASIA/);
    }
  });

  it('maps Kafka TLS and SASL onto the engine: tls on, the mechanism, the credentials as references to the Secret RGW uses', () => {
    const kafka = { ...props().kafka!, bootstrapServers: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093', useSSL: true };
    const secured = synth(props({ kafka: { ...kafka, sasl: { mechanism: 'SCRAM-SHA-512', secretName: 's3-replicator-kafka', passwordKey: 'scram-password' } } }));
    const source = (configOf(secured.onPrem).sources as Record<string, unknown>[])[0];
    expect(source).toMatchObject({
      brokers: ['kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093'],
      tls: {},
      sasl: { mechanism: 'scram-sha-512', usernameEnv: 'KAFKA_SASL_USERNAME', passwordEnv: 'KAFKA_SASL_PASSWORD' },
    });
    const env = envOf(containerOf(secured.onPrem));
    expect(env.KAFKA_SASL_USERNAME).toEqual({ secretKeyRef: { name: 's3-replicator-kafka', key: 'username' } });
    expect(env.KAFKA_SASL_PASSWORD).toEqual({ secretKeyRef: { name: 's3-replicator-kafka', key: 'scram-password' } });
    // RGW's topic authenticates with the very same Secret keys.
    expect(field(findByKind(secured.onPrem, 'CephBucketTopic'), 'spec.endpoint.kafka')).toMatchObject({
      useSSL: true,
      mechanism: 'SCRAM-SHA-512',
      userSecretRef: { name: 's3-replicator-kafka', key: 'username' },
      passwordSecretRef: { name: 's3-replicator-kafka', key: 'scram-password' },
    });
    expect(secured.aws.some((o) => JSON.stringify(o).includes('KAFKA_SASL'))).toBe(false);

    const plain = synth(props({ kafka: { ...kafka, useSSL: false, sasl: { mechanism: 'PLAIN', secretName: 'kafka-plain' } } }));
    const plainSource = (configOf(plain.onPrem).sources as Record<string, unknown>[])[0];
    expect(plainSource).toMatchObject({ sasl: { mechanism: 'plain' } });
    expect(plainSource).not.toHaveProperty('tls');
    const tlsOnly = (configOf(synth(props({ kafka })).onPrem).sources as Record<string, unknown>[])[0];
    expect(tlsOnly).toMatchObject({ tls: {} });
    expect(tlsOnly).not.toHaveProperty('sasl');
    expect(Object.keys(envOf(containerOf(synth(props({ kafka })).onPrem))).filter((name) => name.startsWith('KAFKA_'))).toEqual([]);
  });

  it("mounts the Kafka brokers' CA from a Secret and points the engine's tls.caFile at it", () => {
    const kafka = { ...props().kafka!, useSSL: true };
    const objects = synth(props({ kafka, native: { image: IMAGE, kafkaCaCertificate: { secretName: 'kafka-rciis-prod-cluster-ca-cert' } } })).onPrem;
    expect((configOf(objects).sources as Record<string, unknown>[])[0]).toMatchObject({ tls: { caFile: '/etc/bucketbridge-kafka-ca/ca.crt' } });
    expect(containerOf(objects).volumeMounts).toContainEqual({ name: 'kafka-ca', mountPath: '/etc/bucketbridge-kafka-ca', readOnly: true });
    expect(field(findByKind(objects, 'Deployment'), 'spec.template.spec.volumes')).toContainEqual({
      name: 'kafka-ca',
      secret: { secretName: 'kafka-rciis-prod-cluster-ca-cert', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
    const customKey = synth(props({ kafka, native: { image: IMAGE, kafkaCaCertificate: { secretName: 'kafka-ca', key: 'bundle.pem' } } })).onPrem;
    expect((configOf(customKey).sources as Record<string, unknown>[])[0]).toMatchObject({ tls: { caFile: '/etc/bucketbridge-kafka-ca/bundle.pem' } });
  });

  it('applies the native settings: image, replicas, concurrency, disruption budget, port, drain, log level, resources', () => {
    const tuned = synth(
      props({
        native: { image: `${IMAGE}@sha256:${'a'.repeat(64)}`, replicas: 3, concurrency: 64, podDisruptionBudgetMinAvailable: 1, metricsPort: 9400, drainSeconds: 120, logLevel: 'debug' },
        resources: { requestCPU: '250m', limitMemory: '1Gi' },
      }),
    );
    const deployment = findByKind(tuned.aws, 'Deployment');
    expect(field(deployment, 'spec.replicas')).toBe(3);
    expect(field(deployment, 'spec.template.spec.terminationGracePeriodSeconds')).toBe(135);
    const container = containerOf(tuned.aws);
    expect(container.image).toBe(`${IMAGE}@sha256:${'a'.repeat(64)}`);
    expect(container.args.slice(-2)).toEqual(['--log-level', 'debug']);
    expect(container).toMatchObject({ ports: [{ containerPort: 9400 }], resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } } });
    expect(configOf(tuned.aws)).toMatchObject({ concurrency: 64, listen: '9400', drainSeconds: 120 });
    expect(field(findByKind(tuned.aws, 'PodDisruptionBudget'), 'spec.minAvailable')).toBe(1);
    // Default: one pod at a time may be evicted.
    expect(field(findByKind(synth(props({ native: { image: IMAGE, replicas: 3 } })).aws, 'PodDisruptionBudget'), 'spec.minAvailable')).toBe(2);
  });

  it('maps prefixes onto a key prefix, the notification filter onto the route, endpoints and a reconcile pass for one direction', () => {
    const one = synth(
      props({
        directions: 'ceph-to-aws',
        buckets: [{ cephBucket: 'ceph-a', awsBucket: 'aws-a', cephPrefix: 'data/', awsPrefix: 'replica/data/' }, { cephBucket: 'ceph-a', awsBucket: 'aws-b', cephPrefix: 'logs/', awsPrefix: 'logs/' }],
        ceph: { ...props().ceph, notificationFilter: { prefix: 'data/2026', suffix: '.parquet' }, notificationKeysUrlEncoded: true },
        aws: { ...props().aws, s3Endpoint: 'https://bucket.vpce-0123.s3.af-south-1.vpce.amazonaws.com' },
        native: { image: IMAGE, reconcileIntervalSeconds: 3600, reconcileOnStart: true },
      }),
    );
    expect(one.aws).toEqual([]);
    const config = configOf(one.onPrem);
    expect(config.routes).toEqual([
      { name: 'ceph-a-0', source: 'ceph:ceph-a', destination: 'aws:aws-a', prefix: 'data/2026', suffix: '.parquet', keyPrefix: 'replica/' },
      { name: 'ceph-a-1', source: 'ceph:ceph-a', destination: 'aws:aws-b', prefix: 'logs/', suffix: '.parquet' },
    ]);
    expect(config.reconcile).toEqual({ intervalSeconds: 3600, onStart: true, mode: 'sync' });
    expect(config.sources).toEqual([expect.objectContaining({ keyEncoding: 'url' })]);
    expect(envOf(containerOf(one.onPrem))).toMatchObject({
      RCLONE_CONFIG_AWS_ENDPOINT: 'https://bucket.vpce-0123.s3.af-south-1.vpce.amazonaws.com',
      RCLONE_CONFIG_AWS_FORCE_PATH_STYLE: 'true',
    });

    const sqs = synth(props({ directions: 'aws-to-ceph', aws: { ...props().aws, sqsEndpoint: 'http://elasticmq:9324/' } }));
    expect(configOf(sqs.aws).sources).toEqual([
      expect.objectContaining({ queueUrl: 'http://elasticmq:9324/123456789012/rciis-s3-replication-events', endpoint: 'http://elasticmq:9324/', deadLetterQueueUrl: 'http://elasticmq:9324/123456789012/rciis-s3-replication-dlq' }),
    ]);
    // One direction: no loop guard to render.
    expect(configOf(sqs.aws).routes).toEqual([{ name: 'rciis-ceph-replica-af-south-1', source: 'aws:rciis-ceph-replica-af-south-1', destination: 'ceph:s3-replication-test' }]);
  });

  it("alerts on the engine's metrics with the runbook's alert names and thresholds, and a dashboard over them", () => {
    const rules = (objects: KubeObject[]) => field(findByKind(objects, 'PrometheusRule'), 'spec.groups.0.rules') as Array<{ alert: string; expr: string }>;
    expect(rules(defaults.onPrem).map((r) => r.alert)).toEqual([
      'S3ReplicatorCephToAwsDown',
      'S3ReplicatorHighErrorRate',
      'S3ReplicatorHighLatency',
      'S3ReplicatorKafkaConsumerLag',
      'S3ReplicatorDeadLetters',
    ]);
    expect(rules(defaults.aws).map((r) => r.alert)).toEqual(['S3ReplicatorAwsToCephDown', 'S3ReplicatorHighErrorRate', 'S3ReplicatorHighLatency', 'S3ReplicatorDeadLetters']);
    const text = JSON.stringify([...defaults.onPrem, ...defaults.aws]);
    expect(text).not.toContain('camel_');
    expect(text).toContain('bucketbridge_replicate_keys_total');
    const dashboard = findAllByKind(defaults.aws, 'ConfigMap').find((c) => c.metadata.name === 's3-replicator-dashboard') as KubeObject;
    expect(dashboard.metadata).toMatchObject({ labels: { grafana_dashboard: '1' } });
    const json = JSON.parse((dashboard.data as Record<string, string>)['s3-replicator-aws.json'] ?? '') as { panels: unknown[] };
    expect(json.panels).toHaveLength(9);
  });
});

describe('CamelReplicator with engine native: bad input', () => {
  it('fails when native settings are missing, or given to Camel K, and when a Camel K setting is given to native', () => {
    expect(errorOf(props({ native: undefined }))).toContain("'native' must be set with engine 'native'");
    expect(errorOf(props({ engine: 'camel-k' }))).toContain("'native' is only used with engine 'native'");
    expect(errorOf(props({ operatorId: 'camel-k-operator' }))).toContain("'operatorId' is a Camel K setting; leave it unset with engine 'native'");
    expect(errorOf(props({ engine: 'quarkus' as 'native' }))).toContain("'engine' must be 'camel-k' or 'native', got \"quarkus\"");
  });

  it("fails when the Kafka CA is given without TLS, or named badly", () => {
    const message = errorOf(props({ native: { image: IMAGE, kafkaCaCertificate: { secretName: 'Bad_Name', key: 'ca crt' } } }));
    expect(message).toContain("'native.kafkaCaCertificate' needs kafka.useSSL true and the ceph-to-aws direction");
    expect(message).toContain("'native.kafkaCaCertificate.secretName' must be a Secret name, got \"Bad_Name\"");
    expect(message).toContain("'native.kafkaCaCertificate.key' must be a Secret key, got \"ca crt\"");
  });

  it('fails when the AWS account of the queues is missing or malformed', () => {
    expect(errorOf(props({ aws: { ...props().aws, accountId: undefined } }))).toContain("'aws.accountId' must be set for the aws-to-ceph direction with engine 'native'");
    expect(errorOf(props({ aws: { ...props().aws, accountId: '1234' } }))).toContain("'aws.accountId' must be an AWS account id (12 digits), got \"1234\"");
    // One direction without SQS needs no account.
    expect(() => synth(props({ directions: 'ceph-to-aws', aws: { ...props().aws, accountId: undefined } }))).not.toThrow();
  });

  it('fails when a prefix mapping would replace the source prefix, which the engine cannot do', () => {
    const both = errorOf(props({ buckets: [{ cephBucket: 'ceph-a', awsBucket: 'aws-a', cephPrefix: 'data/', awsPrefix: 'from-ceph/' }] }));
    expect(both).toContain("'buckets[0].awsPrefix' must end with cephPrefix (\"data/\") with engine 'native'");
    const back = errorOf(props({ directions: 'aws-to-ceph', buckets: [{ cephBucket: 'ceph-a', awsBucket: 'aws-a', cephPrefix: 'data/', awsPrefix: 'replica/data/' }] }));
    expect(back).toContain("'buckets[0].cephPrefix' must end with awsPrefix (\"replica/data/\")");
  });

  it('fails when a reconcile pass is asked while both directions run, or with a regex filter it cannot honour', () => {
    const message = errorOf(props({ native: { image: IMAGE, reconcileIntervalSeconds: 600, reconcileOnStart: true } }));
    expect(message).toContain("'native.reconcileIntervalSeconds' must be off when both directions run");
    expect(message).toContain("'native.reconcileOnStart' must be off when both directions run");
    const regex = errorOf(
      props({ directions: 'ceph-to-aws', ceph: { ...props().ceph, notificationFilter: { regex: '\\.csv$' } }, native: { image: IMAGE, reconcileIntervalSeconds: 600 } }),
    );
    expect(regex).toContain("'ceph.notificationFilter.regex' cannot be combined with a reconcile pass");
  });

  it('fails when native settings are out of range, naming each', () => {
    const message = errorOf(
      props({
        native: { image: 'Not An Image', replicas: 0, concurrency: 5000, reconcileIntervalSeconds: -1, metricsPort: 80, drainSeconds: 1.5, logLevel: 'trace' as 'info' },
      }),
    );
    for (const prop of ['native.image', 'native.replicas', 'native.concurrency', 'native.reconcileIntervalSeconds', 'native.metricsPort', 'native.drainSeconds', 'native.logLevel']) {
      expect(message).toContain(`'${prop}'`);
    }
    expect(errorOf(props({ native: { image: IMAGE, replicas: 2, podDisruptionBudgetMinAvailable: 2 } }))).toContain(
      "'native.podDisruptionBudgetMinAvailable' must be below native.replicas (2), or no pod can ever be evicted",
    );
  });
});
