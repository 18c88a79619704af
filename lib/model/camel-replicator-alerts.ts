import { CAMEL_REPLICATOR_NAMES, type ResolvedCamelReplicator } from './camel-replicator';

/** One Prometheus alerting rule, as PrometheusRule `spec.groups[].rules[]` takes it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Which cluster a rule set or dashboard is for. */
export type ReplicatorSide = 'on-prem' | 'aws';

/**
 * The runbook's alerts for one cluster, with its thresholds as defaults: the direction running there
 * is down, error rate, p95 latency, (on-prem) Kafka consumer lag, and the depth of the dead-letter
 * topic (kafka_exporter) or queue (CloudWatch through YACE, `aws_sqs_*`).
 */
export function replicatorAlertRules(r: ResolvedCamelReplicator, side: ReplicatorSide): AlertRule[] {
  const a = r.alerts;
  const ns = r.namespace;
  const integration = side === 'on-prem' ? CAMEL_REPLICATOR_NAMES.cephToAws : CAMEL_REPLICATOR_NAMES.awsToCeph;
  const pods = `namespace="${ns}", pod=~"${integration}-.*"`;
  const direction = side === 'on-prem' ? 'Ceph → AWS' : 'AWS → Ceph';
  const rules: AlertRule[] = [
    {
      alert: side === 'on-prem' ? 'S3ReplicatorCephToAwsDown' : 'S3ReplicatorAwsToCephDown',
      expr: `absent(up{${pods}} == 1)`,
      for: a.downFor,
      labels: { severity: 'critical' },
      annotations: { summary: `${direction} replication integration is down`, description: `No ready ${integration} pod in ${ns}.` },
    },
    {
      alert: 'S3ReplicatorHighErrorRate',
      expr: `sum(rate(camel_exchanges_failed_total{${pods}}[5m])) > ${a.errorRatePerSecond}`,
      for: a.errorRateFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: `${direction} replication error rate elevated`,
        description: `More than ${a.errorRatePerSecond} failed exchanges per second; failed records go to the dead-letter channel after ${r.maximumRedeliveries} redeliveries.`,
      },
    },
    {
      alert: 'S3ReplicatorHighLatency',
      expr: `histogram_quantile(0.95, sum(rate(camel_exchange_event_notifier_seconds_bucket{${pods}}[5m])) by (le, routeId)) > ${a.latencyP95Seconds}`,
      for: a.latencyFor,
      labels: { severity: 'warning' },
      annotations: { summary: `${direction} replication latency is high`, description: `p95 exchange time above ${a.latencyP95Seconds} s on route {{ $labels.routeId }}.` },
    },
  ];
  const kafka = r.kafka;
  if (side === 'on-prem' && kafka) {
    rules.push(
      {
        alert: 'S3ReplicatorKafkaConsumerLag',
        expr: `sum(kafka_consumergroup_lag{group="${kafka.groupId}", topic="${kafka.topic}", namespace="${kafka.consumerLagNamespace}"}) > ${a.kafkaConsumerLagMessages}`,
        for: a.kafkaConsumerLagFor,
        labels: { severity: 'warning' },
        annotations: { summary: 'Ceph → AWS replication consumer lag is high', description: `Consumer group ${kafka.groupId} is more than ${a.kafkaConsumerLagMessages} notifications behind.` },
      },
      {
        alert: 'S3ReplicatorDeadLetters',
        expr: `sum(kafka_topic_partition_current_offset{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"} - kafka_topic_partition_oldest_offset{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"}) > ${a.deadLetterMessages}`,
        for: a.deadLetterFor,
        labels: { severity: 'warning' },
        annotations: { summary: 'Ceph → AWS replication records in the dead-letter topic', description: `Records that failed every redelivery wait in Kafka topic ${kafka.deadLetterTopic}; replay them after fixing the cause.` },
      },
    );
  }
  if (side === 'aws') {
    rules.push({
      alert: 'S3ReplicatorDeadLetters',
      expr: `max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="${r.aws.deadLetterQueueName}"}) > ${a.deadLetterMessages}`,
      for: a.deadLetterFor,
      labels: { severity: 'warning' },
      annotations: { summary: 'AWS → Ceph replication messages in the dead-letter queue', description: `Messages wait in SQS queue ${r.aws.deadLetterQueueName} (dead-lettered records and messages received 5 times).` },
    });
  }
  return rules;
}

/** A Grafana dashboard (JSON model) over the same metrics as the alerts of one cluster. */
export function replicatorDashboard(r: ResolvedCamelReplicator, side: ReplicatorSide): Record<string, unknown> {
  const integration = side === 'on-prem' ? CAMEL_REPLICATOR_NAMES.cephToAws : CAMEL_REPLICATOR_NAMES.awsToCeph;
  const pods = `namespace="${r.namespace}", pod=~"${integration}-.*"`;
  const panel = (id: number, title: string, expr: string, unit: string, y: number, x: number) => ({
    id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: '{{routeId}}' }],
  });
  const panels = [
    panel(1, 'Exchanges completed / s', `sum(rate(camel_exchanges_succeeded_total{${pods}}[5m])) by (routeId)`, 'ops', 0, 0),
    panel(2, 'Exchanges failed / s', `sum(rate(camel_exchanges_failed_total{${pods}}[5m])) by (routeId)`, 'ops', 0, 12),
    panel(3, 'Exchange time p95', `histogram_quantile(0.95, sum(rate(camel_exchange_event_notifier_seconds_bucket{${pods}}[5m])) by (le, routeId))`, 's', 8, 0),
    panel(4, 'Integration up', `sum(up{${pods}})`, 'short', 8, 12),
  ];
  const kafka = r.kafka;
  if (side === 'on-prem' && kafka) {
    panels.push(
      panel(5, 'Kafka consumer lag', `sum(kafka_consumergroup_lag{group="${kafka.groupId}", topic="${kafka.topic}", namespace="${kafka.consumerLagNamespace}"})`, 'short', 16, 0),
      panel(6, 'Dead-letter topic depth', `sum(kafka_topic_partition_current_offset{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"} - kafka_topic_partition_oldest_offset{topic="${kafka.deadLetterTopic}", namespace="${kafka.consumerLagNamespace}"})`, 'short', 16, 12),
    );
  } else {
    panels.push(
      panel(5, 'SQS queue depth', `max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="${r.aws.queueName}"})`, 'short', 16, 0),
      panel(6, 'Dead-letter queue depth', `max(aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="${r.aws.deadLetterQueueName}"})`, 'short', 16, 12),
    );
  }
  return {
    uid: `${integration}`.slice(0, 40),
    title: `S3 replicator: ${integration}`,
    tags: [CAMEL_REPLICATOR_NAMES.partOf],
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }],
    },
    panels,
  };
}
