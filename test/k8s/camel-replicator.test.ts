import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CamelReplicator } from '../../lib/k8s';
import { ValidationError, type CamelReplicatorProps } from '../../lib/model';
import { field, findAllByKind, findByKind, synthAndValidate, type KubeObject } from '../support/manifests';

/** The runbook's topology with literal-looking test keys only in the Secrets the test never renders. */
function props(overrides: Partial<CamelReplicatorProps> = {}): CamelReplicatorProps {
  return {
    buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1', claimStorageClassName: 'ceph-bucket' }],
    ceph: {
      objectStoreName: 'ceph-objectstore',
      externalEndpoint: 'https://rgw.example.com',
      remoteCredentials: { secretName: 'ceph-rgw-credentials' },
    },
    kafka: { bootstrapServers: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093' },
    aws: {
      region: 'af-south-1',
      onPremCredentials: { secretName: 'aws-s3-credentials' },
      clusterIdentity: { kind: 'irsa', roleArn: 'arn:aws:iam::123456789012:role/aws-to-ceph-replicator' },
    },
    loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
    ...overrides,
  };
}

function synth(p: CamelReplicatorProps): { onPrem: KubeObject[]; aws: KubeObject[]; replicator: CamelReplicator } {
  const app = Testing.app();
  const replicator = new CamelReplicator(app, 's3-replicator', p);
  return {
    replicator,
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

const defaults = synth(props());

describe('CamelReplicator', () => {
  it('renders the on-prem chart: user, topic, notification, claim, Integration, rules and dashboard, all schema-valid', () => {
    expect(defaults.onPrem.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'CephObjectStoreUser/s3-replicator',
      'CephBucketTopic/ceph-bucket-notifications',
      'CephBucketNotification/s3-replication-notification',
      'ObjectBucketClaim/s3-replication-test',
      'Integration/ceph-to-aws-replicator',
      'PrometheusRule/s3-replicator-alerts',
      'ConfigMap/s3-replicator-dashboard',
    ]);
    expect(defaults.onPrem.every((o) => o.metadata.namespace === 's3-replicator')).toBe(true);
    expect(findByKind(defaults.onPrem, 'CephObjectStoreUser').spec).toEqual({
      store: 'ceph-objectstore',
      clusterNamespace: 'rook-ceph',
      displayName: 's3-replicator',
    });
  });

  it('names the CephBucketTopic after the Kafka topic the Integration consumes, with the Kafka endpoint settings', () => {
    const topic = findByKind(defaults.onPrem, 'CephBucketTopic');
    expect(topic.spec).toEqual({
      objectStoreName: 'ceph-objectstore',
      objectStoreNamespace: 'rook-ceph',
      persistent: true,
      endpoint: { kafka: { uri: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093', useSSL: false, ackLevel: 'broker' } },
    });
    const integration = findByKind(defaults.onPrem, 'Integration');
    expect(field(integration, 'spec.flows.0.route.from.uri')).toBe(`kafka:${topic.metadata.name}`);
  });

  it('notifies created and removed events and binds to the claimed buckets by label', () => {
    const notification = findByKind(defaults.onPrem, 'CephBucketNotification');
    expect(notification.spec).toEqual({
      topic: 'ceph-bucket-notifications',
      events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
    });
    const claim = findByKind(defaults.onPrem, 'ObjectBucketClaim');
    expect(claim.metadata).toMatchObject({ labels: { 'bucket-notification-s3-replication-notification': 's3-replication-notification' } });
    expect(claim.spec).toEqual({ bucketName: 's3-replication-test', storageClassName: 'ceph-bucket' });
  });

  it('renders key filters, SASL by Secret reference, TLS, ack level and Strimzi topics when asked', () => {
    const { onPrem } = synth(
      props({
        buckets: [{ cephBucket: 'logs', awsBucket: 'logs-replica', cephPrefix: 'app/' }],
        ceph: { ...props().ceph, notificationFilter: { prefix: 'app/', suffix: '.json', regex: '.*' } },
        kafka: {
          bootstrapServers: 'kafka:9094',
          useSSL: true,
          ackLevel: 'none',
          persistent: false,
          sasl: { mechanism: 'SCRAM-SHA-512', secretName: 's3-replicator-kafka' },
          strimziTopic: { clusterName: 'kafka-rciis-prod', partitions: 6, replicas: 2, retentionMs: 86_400_000 },
        },
      }),
    );
    expect(findAllByKind(onPrem, 'ObjectBucketClaim')).toEqual([]);
    expect(field(findByKind(onPrem, 'CephBucketNotification'), 'spec.filter')).toEqual({
      keyFilters: [
        { name: 'prefix', value: 'app/' },
        { name: 'suffix', value: '.json' },
        { name: 'regex', value: '.*' },
      ],
    });
    const topic = findByKind(onPrem, 'CephBucketTopic');
    expect(topic.spec).toMatchObject({
      persistent: false,
      endpoint: {
        kafka: {
          uri: 'kafka:9094',
          useSSL: true,
          ackLevel: 'none',
          mechanism: 'SCRAM-SHA-512',
          userSecretRef: { name: 's3-replicator-kafka', key: 'username' },
          passwordSecretRef: { name: 's3-replicator-kafka', key: 'password' },
        },
      },
    });
    const parameters = field(findByKind(onPrem, 'Integration'), 'spec.flows.0.route.from.parameters');
    expect(parameters).toMatchObject({
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'SCRAM-SHA-512',
      saslJaasConfig:
        'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
        'username="{{secret:s3-replicator-kafka/username}}" password="{{secret:s3-replicator-kafka/password}}";',
    });
    expect(field(findByKind(onPrem, 'Integration'), 'spec.traits.mount.configs')).toContain('secret:s3-replicator-kafka');
    const topics = findAllByKind(onPrem, 'KafkaTopic');
    expect(topics.map((t) => [t.metadata.name, t.metadata.namespace])).toEqual([
      ['ceph-bucket-notifications', 'rciis-prod'],
      ['ceph-bucket-notifications-dlq', 'rciis-prod'],
    ]);
    expect(topics[0]?.spec).toEqual({ partitions: 6, replicas: 2, config: { 'retention.ms': 86_400_000 } });
    expect(field(topics[0] as KubeObject, 'metadata.labels')).toEqual({ 'strimzi.io/cluster': 'kafka-rciis-prod' });
  });

  it('binds each Integration to its operator, mounts its Secrets and sets the runbook traits', () => {
    for (const integration of [findByKind(defaults.onPrem, 'Integration'), findByKind(defaults.aws, 'Integration')]) {
      expect(integration.metadata.annotations).toEqual({ 'camel.apache.org/operator.id': 'camel-k-operator' });
      expect(field(integration, 'spec.traits')).toMatchObject({
        container: { requestCPU: '100m', requestMemory: '256Mi', limitCPU: '500m', limitMemory: '512Mi' },
        health: { enabled: true, livenessProbeEnabled: true, readinessProbeEnabled: true },
        prometheus: { enabled: true, podMonitor: true },
      });
    }
    expect(field(findByKind(defaults.onPrem, 'Integration'), 'spec.traits.mount.configs')).toEqual([
      'secret:rook-ceph-object-user-ceph-objectstore-s3-replicator',
      'secret:aws-s3-credentials',
    ]);
    expect(field(findByKind(defaults.aws, 'Integration'), 'spec.traits.mount.configs')).toEqual(['secret:ceph-rgw-credentials']);
  });

  it('has the AWS SDK in both Integrations send checksums only where S3 requires them, which Ceph RGW before Reef needs', () => {
    for (const integration of [findByKind(defaults.onPrem, 'Integration'), findByKind(defaults.aws, 'Integration')]) {
      expect(field(integration, 'spec.traits.environment')).toEqual({
        vars: ['AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED', 'AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED'],
      });
    }
  });

  it('gives the AWS Integration an IRSA ServiceAccount and the default credentials provider instead of keys', () => {
    const account = findByKind(defaults.aws, 'ServiceAccount');
    expect(account.metadata).toMatchObject({
      name: 'aws-to-ceph-replicator',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/aws-to-ceph-replicator' },
    });
    const integration = findByKind(defaults.aws, 'Integration');
    expect(field(integration, 'spec.serviceAccountName')).toBe('aws-to-ceph-replicator');
    const from = field(integration, 'spec.flows.0.route.from.parameters') as Record<string, string>;
    expect(from).toMatchObject({ useDefaultCredentialsProvider: 'true', region: 'af-south-1' });
    expect(from).not.toHaveProperty('accessKey');
  });

  it('uses Pod Identity through an unannotated ServiceAccount, and a key Secret without any ServiceAccount', () => {
    const pod = synth(props({ aws: { ...props().aws, clusterIdentity: { kind: 'podIdentity' } } }));
    expect(findByKind(pod.aws, 'ServiceAccount').metadata.annotations).toBeUndefined();
    const keys = synth(props({ aws: { ...props().aws, clusterIdentity: { kind: 'secret', secretName: 'aws-s3-credentials' } } }));
    expect(findAllByKind(keys.aws, 'ServiceAccount')).toEqual([]);
    const integration = findByKind(keys.aws, 'Integration');
    expect(field(integration, 'spec.flows.0.route.from.parameters')).toMatchObject({
      accessKey: '{{secret:aws-s3-credentials/AWS_ACCESS_KEY_ID}}',
      secretKey: '{{secret:aws-s3-credentials/AWS_SECRET_ACCESS_KEY}}',
    });
    expect(field(integration, 'spec.traits.mount.configs')).toEqual(['secret:ceph-rgw-credentials', 'secret:aws-s3-credentials']);
  });

  it('renders only the chart of a single direction, which then needs no loop guard', () => {
    const { replicator, aws, onPrem } = synth(props({ directions: 'ceph-to-aws', loopGuard: undefined }));
    expect(replicator.awsChart).toBeUndefined();
    expect(aws).toEqual([]);
    const flows = JSON.stringify(field(findByKind(onPrem, 'Integration'), 'spec.flows'));
    expect(flows).not.toContain('Loop guard');
    const back = synth(props({ directions: 'aws-to-ceph', kafka: undefined, loopGuard: undefined }));
    expect(back.replicator.onPremChart).toBeUndefined();
    expect(findByKind(back.aws, 'Integration').metadata.name).toBe('aws-to-ceph-replicator');
  });

  it('applies namespace, operator id and resources', () => {
    const { onPrem } = synth(
      props({ namespace: 'replication', operatorId: 'camel-k-dr', resources: { requestCPU: '250m', limitMemory: '1Gi' } }),
    );
    const integration = findByKind(onPrem, 'Integration');
    expect(integration.metadata).toMatchObject({ namespace: 'replication', annotations: { 'camel.apache.org/operator.id': 'camel-k-dr' } });
    expect(field(integration, 'spec.traits.container')).toEqual({
      requestCPU: '250m',
      requestMemory: '256Mi',
      limitCPU: '500m',
      limitMemory: '1Gi',
    });
  });

  it('applies endpoints, queue, topic and group names, redeliveries and the Ceph loop-guard identity', () => {
    const { onPrem, aws } = synth(
      props({
        ceph: { ...props().ceph, internalEndpoint: 'http://rgw.rook-ceph.svc:8080', region: 'zg1' },
        kafka: { bootstrapServers: 'kafka:9093', topic: 'rgw-events', deadLetterTopic: 'rgw-events-failed', groupId: 'replicator' },
        aws: { ...props().aws, queueName: 'events', deadLetterQueueName: 'events-dlq', s3Endpoint: 'https://bucket.vpce-1.s3.af-south-1.vpce.amazonaws.com', sqsEndpoint: 'https://sqs.af-south-1.amazonaws.com' },
        loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01', cephPrincipalId: 'tenant$aws-writer' },
        maximumRedeliveries: 7,
      }),
    );
    const d1 = JSON.stringify(field(findByKind(onPrem, 'Integration'), 'spec.flows'));
    expect(field(findByKind(onPrem, 'Integration'), 'spec.flows.0.route.from')).toMatchObject({
      uri: 'kafka:rgw-events',
      parameters: { brokers: 'kafka:9093', groupId: 'replicator' },
    });
    expect(d1).toContain('"uri":"kafka:rgw-events-failed"');
    expect(d1).toContain('"uriEndpointOverride":"http://rgw.rook-ceph.svc:8080"');
    expect(d1).toContain('"region":"zg1"');
    expect(d1).toContain('"uriEndpointOverride":"https://bucket.vpce-1.s3.af-south-1.vpce.amazonaws.com"');
    expect(d1).toContain(`== 'tenant$aws-writer'`);
    expect(d1).toContain('"maximumRedeliveries":7');
    const d2 = JSON.stringify(field(findByKind(aws, 'Integration'), 'spec.flows'));
    expect(d2).toContain('"uri":"aws2-sqs:events"');
    expect(d2).toContain('"uri":"aws2-sqs:events-dlq"');
    expect(d2).toContain('"uriEndpointOverride":"https://sqs.af-south-1.amazonaws.com"');
    expect(d2).toContain('"uriEndpointOverride":"https://rgw.example.com"');
    expect(field(findByKind(onPrem, 'CephBucketTopic'), 'metadata.name')).toBe('rgw-events');
  });

  it('puts the runbook alerts with their thresholds in each cluster, and a dashboard for the Grafana sidecar', () => {
    const names = (objects: KubeObject[]) =>
      (field(findByKind(objects, 'PrometheusRule'), 'spec.groups.0.rules') as Array<{ alert: string }>).map((r) => r.alert);
    expect(names(defaults.onPrem)).toEqual([
      'S3ReplicatorCephToAwsDown',
      'S3ReplicatorHighErrorRate',
      'S3ReplicatorHighLatency',
      'S3ReplicatorKafkaConsumerLag',
      'S3ReplicatorDeadLetters',
    ]);
    expect(names(defaults.aws)).toEqual([
      'S3ReplicatorAwsToCephDown',
      'S3ReplicatorHighErrorRate',
      'S3ReplicatorHighLatency',
      'S3ReplicatorDeadLetters',
    ]);
    const dashboard = findByKind(defaults.aws, 'ConfigMap');
    expect(dashboard.metadata).toMatchObject({ name: 's3-replicator-dashboard', labels: { grafana_dashboard: '1' } });
    const json = JSON.parse((dashboard.data as Record<string, string>)['s3-replicator-aws.json'] ?? '') as { panels: unknown[] };
    expect(json.panels).toHaveLength(6);
  });

  it('writes no literal credential into any object: every key is a {{secret:...}} placeholder of a mounted Secret', () => {
    const keyish = /AKIA|ASIA|accessKey": "(?!\{\{secret:)|secretKey": "(?!\{\{secret:)|password="(?!\{\{secret:)/;
    const all = [...defaults.onPrem, ...defaults.aws];
    expect(JSON.stringify(all, null, 1)).not.toMatch(keyish);
    for (const integration of findAllByKind(all, 'Integration')) {
      const mounted = (field(integration, 'spec.traits.mount.configs') as string[]).map((c) => c.replace(/^secret:/, ''));
      const placeholders = [...JSON.stringify(integration.spec).matchAll(/\{\{secret:([^/}]+)\//g)].map((m) => m[1]);
      expect(placeholders.length).toBeGreaterThan(0);
      for (const secret of placeholders) expect(mounted).toContain(secret);
      for (const [name, value] of credentialParameters(integration.spec)) {
        expect(value, name).toMatch(/^\{\{secret:[^}]+\}\}$/);
      }
    }
  });
});

describe('CamelReplicator bad input', () => {
  it('fails when a credentials reference is missing, naming the prop', () => {
    const message = errorOf(props({ aws: { region: 'af-south-1' }, ceph: { ...props().ceph, remoteCredentials: undefined } }));
    expect(message).toContain("'aws.onPremCredentials' must be set for the ceph-to-aws direction");
    expect(message).toContain("'aws.clusterIdentity' must be set for the aws-to-ceph direction");
    expect(message).toContain("'ceph.remoteCredentials' must be set for the aws-to-ceph direction");
  });

  it('fails when a literal credential is given where a reference belongs, without echoing it', () => {
    const key = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
    const message = errorOf(
      props({
        aws: {
          region: 'af-south-1',
          onPremCredentials: { secretName: key },
          clusterIdentity: { kind: 'secret', secretName: 'aws', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } as never,
        },
      }),
    );
    expect(message).toContain("'aws.onPremCredentials.secretName' must name a Secret or Secret key, not hold a credential, got \"[redacted]\"");
    expect(message).toContain("'aws.clusterIdentity.secretAccessKey' must not be set: credentials are read from a Secret only");
    expect(message).not.toContain(key);
    expect(message).not.toContain('wJalrXUtnFEMI');
  });

  it('fails when the destination bucket is missing instead of writing to a bucket named like the source', () => {
    const message = errorOf(props({ buckets: [{ cephBucket: 's3-replication-test' } as never] }));
    expect(message).toContain("'buckets[0].awsBucket' must be set: the destination bucket in AWS");
    expect(errorOf(props({ buckets: [] }))).toContain("'buckets' must list at least one bucket pair");
  });

  it('fails when both directions run without the AWS loop-guard identity, or with the user name instead of its id', () => {
    expect(errorOf(props({ loopGuard: undefined }))).toContain("'loopGuard.awsPrincipalId' must be set when both directions run");
    expect(errorOf(props({ loopGuard: { awsPrincipalId: 'rciis-ceph-s3-replicator' } }))).toContain(
      "'loopGuard.awsPrincipalId' must be the principal id AWS sends for the on-prem replicator's IAM user, 'AWS:<unique id>' (e.g. AWS:AIDA...), not its name, got \"rciis-ceph-s3-replicator\"",
    );
  });

  it('fails when a Kafka bootstrap server has no port', () => {
    const message = errorOf(props({ kafka: { bootstrapServers: 'kafka-a:9092,kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc' } }));
    expect(message).toContain(
      "'kafka.bootstrapServers' must list host:port pairs with a port (RGW and Camel both need it), got \"kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc\"",
    );
    expect(message).not.toContain('kafka-a:9092"');
  });

  it('fails when the notification filters match nothing', () => {
    const base = { ...props(), buckets: [{ cephBucket: 'logs', awsBucket: 'logs-replica', cephPrefix: 'app/' }] };
    const filter = (notificationFilter: object) => errorOf({ ...base, ceph: { ...base.ceph, notificationFilter } });
    expect(filter({ prefix: 'db/' })).toContain(`'ceph.notificationFilter.prefix' matches no key under any bucket's cephPrefix ["app/"], got "db/"`);
    expect(filter({ regex: '([a-z' })).toContain("'ceph.notificationFilter.regex' must be a valid regular expression");
    expect(filter({ suffix: '' })).toContain("'ceph.notificationFilter.suffix' must not be empty");
  });

  it('fails when thresholds are out of range, naming each', () => {
    const message = errorOf(
      props({
        alerts: { errorRatePerSecond: 0, latencyP95Seconds: -1, kafkaConsumerLagMessages: 0.5, deadLetterMessages: -1, downFor: '5 minutes' },
      }),
    );
    expect(message).toContain("'alerts.errorRatePerSecond' must be above 0 and at most 10000, got 0");
    expect(message).toContain("'alerts.latencyP95Seconds' must be above 0 and at most 86400, got -1");
    expect(message).toContain("'alerts.kafkaConsumerLagMessages' must be an integer from 1 to 1000000000, got 0.5");
    expect(message).toContain("'alerts.deadLetterMessages' must be an integer from 0 to 1000000000, got -1");
    expect(message).toContain("'alerts.downFor' must be a Prometheus duration such as '5m', got \"5 minutes\"");
  });

  it('fails when the AWS side lacks the external RGW endpoint, or an IRSA role ARN is malformed', () => {
    const message = errorOf(
      props({
        ceph: { ...props().ceph, externalEndpoint: undefined },
        aws: { ...props().aws, clusterIdentity: { kind: 'irsa', roleArn: 'aws-to-ceph-replicator' } },
      }),
    );
    expect(message).toContain("'ceph.externalEndpoint' must be set for the aws-to-ceph direction");
    expect(message).toContain("'aws.clusterIdentity.roleArn' must be an IAM role ARN");
  });

  it('gathers every problem into one error that names the construct path', () => {
    const message = errorOf(props({ namespace: 'S3', maximumRedeliveries: -1, kafka: undefined }));
    expect(message).toMatch(/^s3-replicator: invalid props \(3\):/);
    expect(message).toContain("'namespace' must be a DNS-1123 label");
    expect(message).toContain("'maximumRedeliveries' must be an integer from 0 to 100");
    expect(message).toContain("'kafka' must be set for the ceph-to-aws direction");
  });
});

/** Every `accessKey`, `secretKey` and `saslJaasConfig` parameter in an Integration spec, with its value. */
function credentialParameters(spec: unknown): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (['accessKey', 'secretKey', 'sessionToken'].includes(key) && typeof value === 'string') found.push([key, value]);
        else walk(value);
      }
    }
  };
  walk(spec);
  return found;
}
