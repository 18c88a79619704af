import { KUBERNETES_CRON_FORMAT } from './schedule';

/**
 * bucketbridge's JSON schema for the Zenko `zenko.io/v1alpha1` `Cosmos` resource, whose upstream CRD
 * declares no properties at all (`openAPIV3Schema: {type: object}`, Zenko 1.2.5).
 *
 * The Cosmos operator is a Helm operator: it renders the `cosmos` chart with the resource's `spec`
 * as values, so this schema follows the chart's `values.yaml` and templates and the scheduler's
 * `CosmosSpec` (Zenko 1.2.5). Beyond what the chart reads it refuses, by bucketbridge policy:
 * - literal credentials (`access_key_id`, `secret_access_key`, `accessKey`, `secretKey`): name a
 *   Secret in `existingSecret` instead (keys `access_key_id` and `secret_access_key`);
 * - the stale `remote` alias of `destination` and fields the chart never reads (the upstream example's
 *   misspelt `persistentValue`, for one).
 * It requires what the chart would otherwise fill with placeholders (`destination` `endpoint`,
 * `region`, `bucket` and `existingSecret`, since the chart's default keys are `my-access-key`).
 * `rclone.schedule` has the format `kubernetes-cron` (see `validateCronSchedule`).
 *
 * `$ref`s point into the Kubernetes 1.28 definitions, registered as `k8s` by `ManifestValidator`.
 * @see https://github.com/scality/Zenko/tree/1.2.5/kubernetes/cosmos
 */

const CORE = 'k8s#/definitions/io.k8s.api.core.v1.';

/**
 * Longest `fullnameOverride` (the Cosmos operator's resource name prefix): the chart names its
 * CronJob `<fullnameOverride>-cosmos-rclone`, and a CronJob name has at most 52 characters.
 */
export const COSMOS_MAX_NAME_LENGTH = 52 - '-cosmos-rclone'.length;

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const secretName = { type: 'string', pattern: DNS_SUBDOMAIN, maxLength: 253 };

/** Credentials may only come from `existingSecret`. */
const noLiteralCredentials = Object.fromEntries(
  ['access_key_id', 'secret_access_key', 'accessKey', 'secretKey'].map((key) => [
    key,
    { not: {}, description: 'literal credentials are refused: name a Secret in existingSecret' },
  ]),
);

/** Further keys of `source`/`destination` go verbatim into the rclone.conf section: rclone options. */
const rcloneOption = { type: ['string', 'number', 'boolean'] };

const scheduling = {
  resources: { $ref: `${CORE}ResourceRequirements` },
  nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
  tolerations: { type: 'array', items: { $ref: `${CORE}Toleration` } },
  affinity: { $ref: `${CORE}Affinity` },
};

const image = {
  type: 'object',
  additionalProperties: false,
  properties: {
    repository: { type: 'string', minLength: 1 },
    tag: { type: 'string', minLength: 1 },
    pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
  },
};

const source = {
  type: 'object',
  properties: {
    ...noLiteralCredentials,
    type: { enum: ['local', 's3'] },
    provider: { type: 'string', minLength: 1 },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    bucket: { type: 'string', minLength: 1 },
    existingSecret: secretName,
    nounc: { type: 'boolean' },
    copy_links: { type: 'boolean' },
  },
  additionalProperties: rcloneOption,
  if: { required: ['type'], properties: { type: { const: 's3' } } },
  then: { required: ['provider', 'bucket', 'existingSecret'] },
};

const destination = {
  type: 'object',
  properties: {
    ...noLiteralCredentials,
    type: { const: 's3' },
    provider: { type: 'string', minLength: 1 },
    acl: { type: 'string' },
    endpoint: { type: 'string', pattern: '^https?://[^\\s/]+' },
    region: { type: 'string', pattern: DNS_LABEL },
    bucket: { type: 'string', minLength: 3, maxLength: 63 },
    existingSecret: secretName,
  },
  additionalProperties: rcloneOption,
  required: ['endpoint', 'region', 'bucket', 'existingSecret'],
};

const rclone = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: DNS_LABEL },
    command: { enum: ['sync', 'copy'] },
    mdOnly: { type: 'boolean' },
    image,
    triggerIngestion: { type: 'boolean' },
    initialIngestion: { type: 'boolean' },
    suspend: { type: 'boolean' },
    schedule: { type: 'string', format: KUBERNETES_CRON_FORMAT },
    successfulJobsHistory: { type: 'integer', minimum: 0 },
    source,
    destination,
    options: {
      type: 'object',
      properties: {
        transfers: { type: 'integer', minimum: 1 },
        checkers: { type: 'integer', minimum: 1 },
      },
      additionalProperties: rcloneOption,
      propertyNames: { pattern: '^[a-z0-9][-a-z0-9]*$' },
    },
    ...scheduling,
  },
  required: ['destination'],
};

const pfsd = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    name: { type: 'string', pattern: DNS_LABEL },
    // The scheduler's Go type writes a string; the chart's default is a number.
    replicaCount: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0 },
    readOnly: { type: 'boolean' },
    image,
    service: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', pattern: DNS_LABEL },
        type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
      },
    },
    noSync: { type: 'boolean' },
    noCache: { type: 'boolean' },
    ...scheduling,
  },
};

const persistentVolume = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    storageClass: { type: 'string' },
    existingClaim: { type: 'string', pattern: DNS_SUBDOMAIN },
    volumeConfig: { type: 'object' },
    accessModes: {
      type: 'array',
      items: { enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] },
    },
    size: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?([KMGTPE]i?|[numkMGTPE])?$' },
  },
};

/** The schema of a whole Cosmos object; `spec` is what the operator hands its chart as values. */
export const COSMOS_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'zenko.io/v1alpha1' },
    kind: { const: 'Cosmos' },
    metadata: {
      type: 'object',
      properties: { name: { type: 'string', pattern: DNS_LABEL, maxLength: 53 } },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['rclone'],
      properties: {
        fullnameOverride: { type: 'string', pattern: DNS_LABEL, maxLength: COSMOS_MAX_NAME_LENGTH },
        nameOverride: { type: 'string', pattern: DNS_LABEL },
        pfsd,
        rclone,
        persistentVolume,
        ...scheduling,
      },
    },
  },
} as const;
