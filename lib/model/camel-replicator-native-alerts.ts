import type { AlertRule, ReplicatorSide } from './camel-replicator-alerts';
import { CAMEL_REPLICATOR_NAMES, type ResolvedCamelReplicator } from './camel-replicator';

/**
 * The runbook's alerts for one cluster on the native engine's metrics (`bucketbridge_replicate_*`,
 * lib/engine/observability/replicate-metrics.ts), with the same names and thresholds as the Camel K
 * variant's: the direction is down, error rate (keys that failed every attempt, and poison
 * messages), p95 latency (event time to reconciled), (on-prem) Kafka consumer lag, and the depth
 * of the dead-letter topic (kafka_exporter) or queue (CloudWatch through YACE).
 */
export function nativeAlertRules(r: ResolvedCamelReplicator, side: ReplicatorSide): AlertRule[] {
  const a = r.alerts;
  const ns = r.namespace;
  const name = side === 'on-prem' ? CAMEL_REPLICATOR_NAMES.cephToAws : CAMEL_REPLICATOR_NAMES.awsToCeph;
  const pods = `namespace="${ns}", pod=~"${name}-.*"`;
  const direction = side === 'on-prem' ? 'Ceph → AWS' : 'AWS → Ceph';
  const attempts = r.maximumRedeliveries + 1;
  const rules: AlertRule[] = [
    {
      alert: side === 'on-prem' ? 'S3ReplicatorCephToAwsDown' : 'S3ReplicatorAwsToCephDown',
      expr: `absent(up{${pods}} == 1)`,
      for: a.downFor,
      labels: { severity: 'critical' },
      annotations: { summary: `${direction} replication engine is down`, description: `No ${name} pod in ${ns} answers the metrics scrape.` },
    },
    {
      alert: 'S3ReplicatorHighErrorRate',
      expr:
        `(sum(rate(bucketbridge_replicate_keys_total{${pods}, outcome="failed"}[5m])) or vector(0))` +
        ` + (sum(rate(bucketbridge_replicate_dead_lettered_total{${pods}, reason="poison"}[5m])) or vector(0)) > ${a.errorRatePerSecond}`,
      for: a.errorRateFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: `${direction} replication error rate elevated`,
        description: `More than ${a.errorRatePerSecond} keys per second failed all ${attempts} attempts (or messages were unreadable); their messages go to the dead-letter channel.`,
      },
    },
    {
      alert: 'S3ReplicatorHighLatency',
      expr: `histogram_quantile(0.95, sum(rate(bucketbridge_replicate_event_lag_seconds_bucket{${pods}}[5m])) by (le, source)) > ${a.latencyP95Seconds}`,
      for: a.latencyFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: `${direction} replication latency is high`,
        description: `p95 time from an S3 event to its key being reconciled is above ${a.latencyP95Seconds} s on source {{ $labels.source }}.`,
      },
    },
  ];
  const kafka = r.kafka;
  if (side === 'on-prem' && kafka) {
    const exporter = `{group="${kafka.groupId}", topic="${kafka.topic}", namespace="${kafka.consumerLagNamespace}"}`;
    const dlq = `{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"}`;
    rules.push(
      {
        alert: 'S3ReplicatorKafkaConsumerLag',
        // The broker's view (kafka_exporter) still moves when the engine is stuck; the engine's own gauge needs no exporter.
        expr: `sum(kafka_consumergroup_lag${exporter}) > ${a.kafkaConsumerLagMessages} or sum(bucketbridge_replicate_consumer_lag_messages{${pods}}) > ${a.kafkaConsumerLagMessages}`,
        for: a.kafkaConsumerLagFor,
        labels: { severity: 'warning' },
        annotations: { summary: 'Ceph → AWS replication consumer lag is high', description: `Consumer group ${kafka.groupId} is more than ${a.kafkaConsumerLagMessages} notifications behind.` },
      },
      {
        alert: 'S3ReplicatorDeadLetters',
        expr: `sum(kafka_topic_partition_current_offset${dlq} - kafka_topic_partition_oldest_offset${dlq}) > ${a.deadLetterMessages}`,
        for: a.deadLetterFor,
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Ceph → AWS replication records in the dead-letter topic',
          description: `Messages wait in Kafka topic ${kafka.deadLetterTopic} with headers bucketbridge-reason and bucketbridge-error; replay them after fixing the cause.`,
        },
      },
    );
  }
  if (side === 'aws') {
    rules.push({
      alert: 'S3ReplicatorDeadLetters',
      expr: `max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="${r.aws.deadLetterQueueName}"}) > ${a.deadLetterMessages}`,
      for: a.deadLetterFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: 'AWS → Ceph replication messages in the dead-letter queue',
        description: `Messages wait in SQS queue ${r.aws.deadLetterQueueName} (attributes bucketbridge-reason and bucketbridge-error, or received 5 times).`,
      },
    });
  }
  return rules;
}

/** A Grafana dashboard (JSON model) over the native engine's metrics of one cluster. */
export function nativeDashboard(r: ResolvedCamelReplicator, side: ReplicatorSide): Record<string, unknown> {
  const name = side === 'on-prem' ? CAMEL_REPLICATOR_NAMES.cephToAws : CAMEL_REPLICATOR_NAMES.awsToCeph;
  const pods = `namespace="${r.namespace}", pod=~"${name}-.*"`;
  const panel = (id: number, title: string, expr: string, unit: string, legend: string, y: number, x: number) => ({
    id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: legend }],
  });
  const panels = [
    panel(1, 'Keys reconciled / s', `sum(rate(bucketbridge_replicate_keys_total{${pods}}[5m])) by (route, outcome)`, 'ops', '{{route}} {{outcome}}', 0, 0),
    panel(2, 'Keys failed / s', `sum(rate(bucketbridge_replicate_keys_total{${pods}, outcome="failed"}[5m])) by (route)`, 'ops', '{{route}}', 0, 12),
    panel(3, 'Event to replica p95', `histogram_quantile(0.95, sum(rate(bucketbridge_replicate_event_lag_seconds_bucket{${pods}}[5m])) by (le, source))`, 's', '{{source}}', 8, 0),
    panel(4, 'Engine up', `sum(up{${pods}})`, 'short', 'pods', 8, 12),
    panel(5, 'Bytes copied / s', `sum(rate(bucketbridge_replicate_bytes_total{${pods}}[5m])) by (route)`, 'Bps', '{{route}}', 16, 0),
    panel(6, 'Messages dead-lettered / s', `sum(rate(bucketbridge_replicate_dead_lettered_total{${pods}}[5m])) by (reason)`, 'ops', '{{reason}}', 16, 12),
  ];
  const kafka = r.kafka;
  if (side === 'on-prem' && kafka) {
    panels.push(
      panel(7, 'Kafka consumer lag', `sum(bucketbridge_replicate_consumer_lag_messages{${pods}})`, 'short', 'lag', 24, 0),
      panel(8, 'Dead-letter topic depth', `sum(kafka_topic_partition_current_offset{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"} - kafka_topic_partition_oldest_offset{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"})`, 'short', 'depth', 24, 12),
    );
  } else {
    panels.push(
      panel(7, 'SQS queue depth', `max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="${r.aws.queueName}"})`, 'short', 'depth', 24, 0),
      panel(8, 'Dead-letter queue depth', `max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="${r.aws.deadLetterQueueName}"})`, 'short', 'depth', 24, 12),
    );
  }
  panels.push(panel(9, 'Keys in flight', `sum(bucketbridge_replicate_keys_in_flight{${pods}})`, 'short', 'in flight', 32, 0));
  return {
    uid: name.slice(0, 40),
    title: `S3 replicator: ${name} (native engine)`,
    tags: [CAMEL_REPLICATOR_NAMES.partOf],
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels,
  };
}
