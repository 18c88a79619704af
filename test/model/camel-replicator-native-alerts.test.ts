import { describe, expect, it } from 'vitest';
import { ReplicateMetrics } from '../../lib/engine/observability/replicate-metrics';
import { nativeAlertRules, nativeDashboard, resolveCamelReplicatorProps, type CamelReplicatorProps } from '../../lib/model';

const props: CamelReplicatorProps = {
  engine: 'native',
  native: { image: 'ghcr.io/example/bucketbridge:0.1.0' },
  buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1' }],
  ceph: { objectStoreName: 'ceph-objectstore', externalEndpoint: 'https://rgw.example.com', remoteCredentials: { secretName: 'c' } },
  kafka: { bootstrapServers: 'kafka:9092' },
  aws: { region: 'af-south-1', accountId: '123456789012', onPremCredentials: { secretName: 'a' }, clusterIdentity: { kind: 'podIdentity' } },
  loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
};

function rules(overrides: Partial<CamelReplicatorProps> = {}, side: 'on-prem' | 'aws' = 'on-prem') {
  return Object.fromEntries(nativeAlertRules(resolveCamelReplicatorProps('t', { ...props, ...overrides }), side).map((r) => [r.alert, r]));
}

/** Every `bucketbridge_*` series an expression names, without the histogram suffixes Prometheus adds. */
function engineSeries(exprs: readonly string[]): string[] {
  return [...new Set(exprs.flatMap((e) => [...e.matchAll(/\bbucketbridge_\w+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))))];
}

describe('CamelReplicator native-engine alerts', () => {
  it("uses the runbook's thresholds and durations on the engine's series", () => {
    const onPrem = rules();
    expect(onPrem.S3ReplicatorCephToAwsDown).toMatchObject({
      expr: 'absent(up{namespace="s3-replicator", pod=~"ceph-to-aws-replicator-.*"} == 1)',
      for: '5m',
      labels: { severity: 'critical' },
    });
    expect(onPrem.S3ReplicatorHighErrorRate).toMatchObject({ for: '10m' });
    expect(onPrem.S3ReplicatorHighErrorRate?.expr).toBe(
      '(sum(rate(bucketbridge_replicate_keys_total{namespace="s3-replicator", pod=~"ceph-to-aws-replicator-.*", outcome="failed"}[5m])) or vector(0))' +
        ' + (sum(rate(bucketbridge_replicate_dead_lettered_total{namespace="s3-replicator", pod=~"ceph-to-aws-replicator-.*", reason="poison"}[5m])) or vector(0)) > 0.1',
    );
    expect(onPrem.S3ReplicatorHighLatency?.expr).toMatch(/^histogram_quantile\(0\.95, sum\(rate\(bucketbridge_replicate_event_lag_seconds_bucket\{.*\}\[5m\]\)\) by \(le, source\)\) > 30$/);
    expect(onPrem.S3ReplicatorKafkaConsumerLag).toMatchObject({ for: '15m' });
    expect(onPrem.S3ReplicatorKafkaConsumerLag?.expr).toBe(
      'sum(kafka_consumergroup_lag{group="s3-replicator-ceph-to-aws", topic="ceph-bucket-notifications", namespace="rciis-prod"}) > 1000' +
        ' or sum(bucketbridge_replicate_consumer_lag_messages{namespace="s3-replicator", pod=~"ceph-to-aws-replicator-.*"}) > 1000',
    );
    expect(onPrem.S3ReplicatorDeadLetters?.expr).toContain('topic="ceph-bucket-notifications-dlq"');
    expect(rules({}, 'aws').S3ReplicatorDeadLetters?.expr).toBe('max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="rciis-s3-replication-dlq"}) > 0');
  });

  it('takes thresholds and durations from the props', () => {
    const tuned = rules({ alerts: { errorRatePerSecond: 2, errorRateFor: '1m', latencyP95Seconds: 120, kafkaConsumerLagMessages: 50, deadLetterMessages: 3, downFor: '2m' } });
    expect(tuned.S3ReplicatorHighErrorRate?.expr).toMatch(/ > 2$/);
    expect(tuned.S3ReplicatorHighErrorRate?.for).toBe('1m');
    expect(tuned.S3ReplicatorHighLatency?.expr).toMatch(/ > 120$/);
    expect(tuned.S3ReplicatorKafkaConsumerLag?.expr).toMatch(/ > 50 or .* > 50$/);
    expect(tuned.S3ReplicatorDeadLetters?.expr).toMatch(/ > 3$/);
    expect(tuned.S3ReplicatorCephToAwsDown?.for).toBe('2m');
    expect(rules({ maximumRedeliveries: 0 }).S3ReplicatorHighErrorRate?.annotations.description).toContain('failed all 1 attempts');
  });

  it('names only series the engine exports, with the labels it sets', async () => {
    const r = resolveCamelReplicatorProps('t', props);
    const exprs = (['on-prem', 'aws'] as const).flatMap((side) => [
      ...nativeAlertRules(r, side).map((rule) => rule.expr),
      ...(nativeDashboard(r, side).panels as Array<{ targets: Array<{ expr: string }> }>).flatMap((p) => p.targets.map((t) => t.expr)),
    ]);
    const metrics = await new ReplicateMetrics().registry.getMetricsAsJSON();
    const exported = new Map(metrics.map((m) => [m.name, m]));
    const named = engineSeries(exprs);
    expect(named.length).toBeGreaterThanOrEqual(6);
    for (const name of named) expect(exported.has(name), name).toBe(true);
    // Label values used in the expressions are values the engine sets.
    expect(exprs.join(' ')).toMatch(/outcome="failed"/);
    expect(exprs.join(' ')).toMatch(/reason="poison"/);
  });
});
