import { describe, expect, it } from 'vitest';
import { replicatorAlertRules, resolveCamelReplicatorProps, type CamelReplicatorProps } from '../../lib/model';

const props: CamelReplicatorProps = {
  buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1' }],
  ceph: { objectStoreName: 'ceph-objectstore', externalEndpoint: 'https://rgw.example.com', remoteCredentials: { secretName: 'c' } },
  kafka: { bootstrapServers: 'kafka:9093' },
  aws: { region: 'af-south-1', onPremCredentials: { secretName: 'a' }, clusterIdentity: { kind: 'podIdentity' } },
  loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
};

function rules(overrides: Partial<CamelReplicatorProps> = {}, side: 'on-prem' | 'aws' = 'on-prem') {
  return Object.fromEntries(replicatorAlertRules(resolveCamelReplicatorProps('t', { ...props, ...overrides }), side).map((r) => [r.alert, r]));
}

describe('CamelReplicator alerts', () => {
  it("uses the runbook's thresholds and durations by default", () => {
    const onPrem = rules();
    expect(onPrem.S3ReplicatorCephToAwsDown).toMatchObject({
      expr: 'absent(up{namespace="s3-replicator", pod=~"ceph-to-aws-replicator-.*"} == 1)',
      for: '5m',
      labels: { severity: 'critical' },
    });
    expect(onPrem.S3ReplicatorHighErrorRate).toMatchObject({ for: '10m' });
    expect(onPrem.S3ReplicatorHighErrorRate?.expr).toMatch(/camel_exchanges_failed_total\{.*\}\[5m\]\)\) > 0\.1$/);
    expect(onPrem.S3ReplicatorHighLatency?.expr).toMatch(/^histogram_quantile\(0\.95, .*camel_exchange_event_notifier_seconds_bucket.* > 30$/);
    expect(onPrem.S3ReplicatorKafkaConsumerLag).toMatchObject({
      expr: 'sum(kafka_consumergroup_lag{group="s3-replicator-ceph-to-aws", topic="ceph-bucket-notifications", namespace="rciis-prod"}) > 1000',
      for: '15m',
    });
    expect(onPrem.S3ReplicatorDeadLetters?.expr).toContain('topic="ceph-bucket-notifications-dlq"');
    expect(rules({}, 'aws').S3ReplicatorDeadLetters?.expr).toBe(
      'max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="rciis-s3-replication-dlq"}) > 0',
    );
  });

  it('takes every threshold and duration from props', () => {
    const onPrem = rules({
      alerts: {
        downFor: '2m',
        errorRatePerSecond: 0.5,
        latencyP95Seconds: 120,
        latencyFor: '30m',
        kafkaConsumerLagMessages: 50_000,
        deadLetterMessages: 10,
        deadLetterFor: '1h',
      },
    });
    expect(onPrem.S3ReplicatorCephToAwsDown?.for).toBe('2m');
    expect(onPrem.S3ReplicatorHighErrorRate?.expr).toMatch(/ > 0\.5$/);
    expect(onPrem.S3ReplicatorHighLatency).toMatchObject({ for: '30m' });
    expect(onPrem.S3ReplicatorHighLatency?.expr).toMatch(/ > 120$/);
    expect(onPrem.S3ReplicatorKafkaConsumerLag?.expr).toMatch(/ > 50000$/);
    expect(onPrem.S3ReplicatorDeadLetters).toMatchObject({ for: '1h' });
    expect(onPrem.S3ReplicatorDeadLetters?.expr).toMatch(/ > 10$/);
  });
});
