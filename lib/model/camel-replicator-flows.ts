import {
  CAMEL_REPLICATOR_NAMES,
  type ResolvedAwsIdentity,
  type ResolvedCamelReplicator,
  type ResolvedKeyPair,
} from './camel-replicator';

/** One Camel YAML DSL element (`- route: ...`), as plain data. */
export type CamelFlow = Record<string, unknown>;

/** Everything an Integration needs besides its flows. */
export interface CamelIntegrationPlan {
  readonly name: string;
  readonly flows: CamelFlow[];
  /** Secrets mounted through the `mount` trait (`secret:<name>`), read by `{{secret:<name>/<key>}}`. */
  readonly secrets: string[];
  /** Camel K dependencies (`camel:<component>`). */
  readonly dependencies: string[];
}

/** The S3 event fields the routes read, each from one record. */
const HEADERS = {
  principal: 'ReplicationPrincipalId',
  event: 'ReplicationEventName',
  sourceBucket: 'ReplicationSourceBucket',
  encodedKey: 'ReplicationEncodedKey',
  sourceKey: 'ReplicationSourceKey',
  destinationBucket: 'ReplicationDestinationBucket',
  destinationKey: 'ReplicationDestinationKey',
  error: 'ReplicationError',
} as const;

const S3_NO_SUCH_KEY = 'software.amazon.awssdk.services.s3.model.NoSuchKeyException';
const S3_EXCEPTION = 'software.amazon.awssdk.services.s3.model.S3Exception';

interface S3Side {
  /** `aws2-s3` options for credentials, region and endpoint. */
  readonly options: Record<string, string>;
  readonly label: string;
}

interface Direction {
  readonly name: string;
  readonly source: S3Side;
  readonly destination: S3Side;
  readonly from: { readonly uri: string; readonly parameters: Record<string, string> };
  readonly deadLetter: { readonly uri: string; readonly parameters: Record<string, string>; readonly label: string };
  /** principalId of the other replicator's writes, skipped. */
  readonly skipPrincipal: string | undefined;
  readonly keysUrlEncoded: boolean;
  readonly mappings: ReadonlyArray<{ sourceBucket: string; sourcePrefix: string; destinationBucket: string; destinationPrefix: string }>;
  readonly replicateRoute: string;
  readonly deleteRoute: string;
  readonly deadLetterRoute: string;
}

/** `{{secret:<name>/<key>}}`: resolved by Camel from the Secret mounted by the `mount` trait. */
export function secretPlaceholder(secretName: string, key: string): string {
  return `{{secret:${secretName}/${key}}}`;
}

function keyPairOptions(ref: ResolvedKeyPair): Record<string, string> {
  return {
    accessKey: secretPlaceholder(ref.secretName, ref.accessKeyIdKey),
    secretKey: secretPlaceholder(ref.secretName, ref.secretAccessKeyKey),
  };
}

function identityOptions(identity: ResolvedAwsIdentity | undefined): Record<string, string> {
  if (identity?.kind === 'secret') return keyPairOptions(identity.secret);
  return { useDefaultCredentialsProvider: 'true' };
}

function endpointOptions(endpoint: string | undefined, forcePathStyle: boolean): Record<string, string> {
  if (endpoint === undefined) return {};
  return {
    overrideEndpoint: 'true',
    uriEndpointOverride: endpoint,
    ...(forcePathStyle ? { forcePathStyle: 'true' } : {}),
  };
}

function cephOptions(r: ResolvedCamelReplicator, endpoint: string, keys: ResolvedKeyPair | undefined): Record<string, string> {
  return {
    region: r.ceph.region,
    ...(keys ? keyPairOptions(keys) : {}),
    ...endpointOptions(endpoint, true),
  };
}

function awsOptions(r: ResolvedCamelReplicator, credentials: Record<string, string>): Record<string, string> {
  return { region: r.aws.region, ...credentials, ...endpointOptions(r.aws.s3Endpoint, true) };
}

/** The `ceph-to-aws-replicator` Integration: Kafka (RGW notifications) -> Ceph GET -> AWS PUT/DELETE. */
export function cephToAwsIntegration(r: ResolvedCamelReplicator): CamelIntegrationPlan {
  const kafka = r.kafka;
  if (!kafka || !r.aws.onPremCredentials) throw new Error('ceph-to-aws needs kafka and aws.onPremCredentials (resolve the props first)');
  const kafkaOptions: Record<string, string> = { brokers: kafka.bootstrapServers, ...kafkaSecurity(r) };
  const direction: Direction = {
    name: CAMEL_REPLICATOR_NAMES.cephToAws,
    source: { label: 'Ceph', options: cephOptions(r, r.ceph.internalEndpoint, r.ceph.userSecret) },
    destination: { label: 'AWS S3', options: awsOptions(r, keyPairOptions(r.aws.onPremCredentials)) },
    from: {
      uri: `kafka:${kafka.topic}`,
      parameters: {
        ...kafkaOptions,
        groupId: kafka.groupId,
        autoOffsetReset: 'earliest',
        // Offsets are committed after a record has been handled (copied or dead-lettered), and a record
        // whose dead-lettering failed is polled again instead of being skipped.
        autoCommitEnable: 'false',
        breakOnFirstError: 'true',
      },
    },
    deadLetter: { uri: `kafka:${kafka.deadLetterTopic}`, parameters: kafkaOptions, label: `Kafka topic ${kafka.deadLetterTopic}` },
    skipPrincipal: r.awsToCeph ? r.loopGuard.cephPrincipalId : undefined,
    keysUrlEncoded: r.ceph.notificationKeysUrlEncoded,
    mappings: r.buckets.map((b) => ({
      sourceBucket: b.cephBucket,
      sourcePrefix: b.cephPrefix,
      destinationBucket: b.awsBucket,
      destinationPrefix: b.awsPrefix,
    })),
    replicateRoute: 'replicate-to-aws',
    deleteRoute: 'delete-from-aws',
    deadLetterRoute: 'dead-letter-ceph-to-aws',
  };
  const secrets = [r.ceph.userSecret.secretName, r.aws.onPremCredentials.secretName, ...(kafka.sasl ? [kafka.sasl.secretName] : [])];
  return {
    name: direction.name,
    flows: directionFlows(r, direction),
    secrets: unique(secrets),
    dependencies: ['camel:kafka', 'camel:aws2-s3', 'camel:jsonpath', 'camel:bean', 'camel:log', 'camel:direct'],
  };
}

/** The `aws-to-ceph-replicator` Integration: SQS (S3 event notifications) -> AWS GET -> Ceph PUT/DELETE. */
export function awsToCephIntegration(r: ResolvedCamelReplicator): CamelIntegrationPlan {
  const { externalEndpoint, remoteCredentials } = r.ceph;
  const identity = r.aws.clusterIdentity;
  if (!externalEndpoint || !remoteCredentials || !identity) {
    throw new Error('aws-to-ceph needs ceph.externalEndpoint, ceph.remoteCredentials and aws.clusterIdentity (resolve the props first)');
  }
  const sqsOptions: Record<string, string> = {
    region: r.aws.region,
    ...identityOptions(identity),
    ...endpointOptions(r.aws.sqsEndpoint, false),
  };
  const direction: Direction = {
    name: CAMEL_REPLICATOR_NAMES.awsToCeph,
    source: { label: 'AWS S3', options: awsOptions(r, identityOptions(identity)) },
    destination: { label: 'Ceph', options: cephOptions(r, externalEndpoint, remoteCredentials) },
    from: {
      uri: `aws2-sqs:${r.aws.queueName}`,
      parameters: {
        ...sqsOptions,
        waitTimeSeconds: '20',
        maxMessagesPerPoll: '10',
        deleteAfterRead: 'true',
        // As long as the queue's own visibility timeout (300 s), and extended while a large copy runs.
        visibilityTimeout: '300',
        extendMessageVisibility: 'true',
      },
    },
    deadLetter: { uri: `aws2-sqs:${r.aws.deadLetterQueueName}`, parameters: sqsOptions, label: `SQS queue ${r.aws.deadLetterQueueName}` },
    skipPrincipal: r.cephToAws ? r.loopGuard.awsPrincipalId : undefined,
    keysUrlEncoded: true,
    mappings: r.buckets.map((b) => ({
      sourceBucket: b.awsBucket,
      sourcePrefix: b.awsPrefix,
      destinationBucket: b.cephBucket,
      destinationPrefix: b.cephPrefix,
    })),
    replicateRoute: 'replicate-to-ceph',
    deleteRoute: 'delete-from-ceph',
    deadLetterRoute: 'dead-letter-aws-to-ceph',
  };
  const secrets = [remoteCredentials.secretName, ...(identity.kind === 'secret' ? [identity.secret.secretName] : [])];
  return {
    name: direction.name,
    flows: directionFlows(r, direction),
    secrets: unique(secrets),
    dependencies: ['camel:aws2-sqs', 'camel:aws2-s3', 'camel:jsonpath', 'camel:bean', 'camel:log', 'camel:direct'],
  };
}

function kafkaSecurity(r: ResolvedCamelReplicator): Record<string, string> {
  const kafka = r.kafka;
  if (!kafka) return {};
  if (!kafka.sasl) return kafka.useSSL ? { securityProtocol: 'SSL' } : {};
  const { sasl } = kafka;
  const module =
    sasl.mechanism === 'PLAIN'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  const user = secretPlaceholder(sasl.secretName, sasl.usernameKey);
  const password = secretPlaceholder(sasl.secretName, sasl.passwordKey);
  return {
    securityProtocol: kafka.useSSL ? 'SASL_SSL' : 'SASL_PLAINTEXT',
    saslMechanism: sasl.mechanism,
    saslJaasConfig: `${module} required username="${user}" password="${password}";`,
  };
}

function directionFlows(r: ResolvedCamelReplicator, d: Direction): CamelFlow[] {
  const firstSource = d.mappings[0]?.sourceBucket ?? 'unmapped';
  const firstDestination = d.mappings[0]?.destinationBucket ?? 'unmapped';
  const s3 = (bucket: string, options: Record<string, string>, extra: Record<string, string> = {}) => ({
    uri: `aws2-s3:${bucket}`,
    parameters: { ...options, ...extra, autoCreateBucket: 'false' },
  });
  // aws2-s3 producers take the bucket of the endpoint URI unless CamelAwsS3OverrideBucketName is set
  // (CamelAwsS3BucketName, which the runbook set on `aws2-s3://ignored`, does not override it).
  const target = (bucketHeader: string, keyHeader: string) => [
    setHeader('CamelAwsS3OverrideBucketName', { simple: `\${header.${bucketHeader}}` }),
    setHeader('CamelAwsS3Key', { simple: `\${header.${keyHeader}}` }),
  ];
  const where = `\${header.${HEADERS.sourceBucket}}/\${header.${HEADERS.sourceKey}}`;
  const to = `\${header.${HEADERS.destinationBucket}}/\${header.${HEADERS.destinationKey}}`;

  const main = {
    route: {
      id: d.name,
      errorHandler: {
        deadLetterChannel: {
          deadLetterUri: `direct:${d.deadLetterRoute}`,
          // The dead-letter message is the one failed record as received (a JSON string), not half-copied state.
          useOriginalMessage: true,
          // A record that cannot be dead-lettered fails the exchange: Kafka polls it again, SQS redelivers it.
          deadLetterHandleNewException: false,
          redeliveryPolicy: {
            maximumRedeliveries: r.maximumRedeliveries,
            redeliveryDelay: '1000',
            useExponentialBackOff: true,
            backOffMultiplier: 2,
            maximumRedeliveryDelay: '60000',
            retryAttemptedLogLevel: 'WARN',
          },
        },
      },
      from: {
        uri: d.from.uri,
        parameters: d.from.parameters,
        steps: [
          {
            // Every record of the event, each as its own JSON string (an S3 test event has none).
            split: {
              jsonpath: { expression: '$.Records[*]', writeAsString: true, suppressExceptions: true },
              steps: [
                setHeader(HEADERS.principal, jsonpath('$.userIdentity.principalId', true)),
                setHeader(HEADERS.event, jsonpath('$.eventName')),
                setHeader(HEADERS.sourceBucket, jsonpath('$.s3.bucket.name')),
                setHeader(HEADERS.encodedKey, jsonpath('$.s3.object.key')),
                setHeader(
                  HEADERS.sourceKey,
                  d.keysUrlEncoded
                    ? // S3 event keys are form-encoded ('+' is a space); decoded here, exactly once.
                      { method: { beanType: 'java.net.URLDecoder', method: `decode(\${header.${HEADERS.encodedKey}}, 'UTF-8')` } }
                    : { simple: `\${header.${HEADERS.encodedKey}}` },
                ),
                ...loopGuard(d),
                mapping(d),
                {
                  choice: {
                    when: [
                      {
                        simple: `\${header.${HEADERS.event}} startsWith 'ObjectCreated:'`,
                        steps: [{ to: `direct:${d.replicateRoute}` }],
                      },
                      {
                        simple: `\${header.${HEADERS.event}} startsWith 'ObjectRemoved:'`,
                        steps: [{ to: `direct:${d.deleteRoute}` }],
                      },
                    ],
                    otherwise: {
                      steps: [log('WARN', `Skipped event \${header.${HEADERS.event}} for ${where}: not a create or remove`)],
                    },
                  },
                },
              ],
            },
          },
        ],
      },
    },
  };

  const replicate = {
    route: {
      id: d.replicateRoute,
      // The object body is an S3 response stream handed to the PUT with its length: never cached, never whole in memory.
      streamCache: false,
      from: {
        uri: `direct:${d.replicateRoute}`,
        steps: [
          { removeHeaders: { pattern: 'CamelAwsS3*' } },
          ...target(HEADERS.sourceBucket, HEADERS.sourceKey),
          {
            doTry: {
              steps: [{ to: s3(firstSource, d.source.options, { operation: 'getObject' }) }],
              doCatch: [
                {
                  exception: [S3_NO_SUCH_KEY],
                  steps: [log('INFO', `Skipped copy of ${where}: gone from ${d.source.label}; its remove event follows`), { stop: {} }],
                },
              ],
            },
          },
          ...target(HEADERS.destinationBucket, HEADERS.destinationKey),
          { to: s3(firstDestination, d.destination.options) },
          log('INFO', `Replicated ${where} to ${d.destination.label} ${to} (\${header.CamelAwsS3ContentLength} bytes)`),
        ],
      },
    },
  };

  const remove = {
    route: {
      id: d.deleteRoute,
      from: {
        uri: `direct:${d.deleteRoute}`,
        steps: [
          { removeHeaders: { pattern: 'CamelAwsS3*' } },
          ...target(HEADERS.sourceBucket, HEADERS.sourceKey),
          {
            // Events may arrive out of order: a key written again after this remove is not deleted.
            doTry: {
              steps: [
                { to: s3(firstSource, d.source.options, { operation: 'headObject' }) },
                log('INFO', `Skipped delete of ${where}: it exists again in ${d.source.label}`),
                { stop: {} },
              ],
              doCatch: [{ exception: [S3_EXCEPTION], onWhen: { simple: '${exception.statusCode} == 404' }, steps: [] }],
            },
          },
          ...target(HEADERS.destinationBucket, HEADERS.destinationKey),
          { to: s3(firstDestination, d.destination.options, { operation: 'deleteObject' }) },
          log('INFO', `Deleted ${to} from ${d.destination.label}`),
        ],
      },
    },
  };

  const deadLetter = {
    route: {
      id: d.deadLetterRoute,
      from: {
        uri: `direct:${d.deadLetterRoute}`,
        steps: [
          { removeHeaders: { pattern: '*' } },
          setHeader(HEADERS.error, { simple: '${exception.class.name}: ${exception.message}' }),
          log('ERROR', `Record failed after ${r.maximumRedeliveries} redeliveries, sent to ${d.deadLetter.label}: \${header.${HEADERS.error}}`),
          { to: { uri: d.deadLetter.uri, parameters: d.deadLetter.parameters } },
        ],
      },
    },
  };
  return [main, replicate, remove, deadLetter];
}

function loopGuard(d: Direction): CamelFlow[] {
  if (d.skipPrincipal === undefined) return [];
  return [
    {
      filter: {
        simple: `\${header.${HEADERS.principal}} == '${d.skipPrincipal}'`,
        steps: [
          log('INFO', `Loop guard: skipped \${header.${HEADERS.event}} of \${header.${HEADERS.sourceBucket}}/\${header.${HEADERS.sourceKey}} written by \${header.${HEADERS.principal}}`),
          { stop: {} },
        ],
      },
    },
  ];
}

/** Source bucket and prefix -> destination bucket and key; keys outside every pair are skipped. */
function mapping(d: Direction): CamelFlow {
  const when = d.mappings.map((m) => {
    const conditions = [`\${header.${HEADERS.sourceBucket}} == '${m.sourceBucket}'`];
    if (m.sourcePrefix) conditions.push(`\${header.${HEADERS.sourceKey}} startsWith '${m.sourcePrefix}'`);
    const rest = m.sourcePrefix ? `\${header.${HEADERS.sourceKey}.substring(${m.sourcePrefix.length})}` : `\${header.${HEADERS.sourceKey}}`;
    return {
      simple: conditions.join(' && '),
      steps: [
        setHeader(HEADERS.destinationBucket, { constant: m.destinationBucket }),
        setHeader(HEADERS.destinationKey, { simple: `${m.destinationPrefix}${rest}` }),
      ],
    };
  });
  return {
    choice: {
      when,
      otherwise: {
        steps: [
          log('INFO', `Skipped \${header.${HEADERS.sourceBucket}}/\${header.${HEADERS.sourceKey}}: outside every replicated bucket and prefix`),
          { stop: {} },
        ],
      },
    },
  };
}

function setHeader(name: string, expression: Record<string, unknown>): CamelFlow {
  return { setHeader: { name, ...expression } };
}

function jsonpath(expression: string, suppressExceptions = false): Record<string, unknown> {
  return { jsonpath: { expression, resultType: 'java.lang.String', ...(suppressExceptions ? { suppressExceptions: true } : {}) } };
}

function log(level: 'INFO' | 'WARN' | 'ERROR', message: string): CamelFlow {
  return { log: { message, loggingLevel: level, logName: 'bucketbridge.replicator' } };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

