/**
 * bucketbridge's JSON schema for the `spec` of Rook's `edgefs.rook.io/v1` `S3X` resource. The
 * upstream CRD (Rook v1.5.12, apiextensions v1beta1) only declares `spec.instances`, so every other
 * field would pass unchecked; this schema adds the fields of Rook's Go type `S3XSpec` (v1.1 to v1.5)
 * and closes `spec`, so a misspelt field fails at synth time instead of being ignored by the operator.
 *
 * `$ref`s point into the Kubernetes 1.28 definitions, registered as `k8s` by `ManifestValidator`.
 * @see https://github.com/rook/rook/blob/v1.5.12/pkg/apis/edgefs.rook.io/v1/types.go
 */

const CORE = 'k8s#/definitions/io.k8s.api.core.v1.';

const port = { type: 'integer', minimum: 1, maximum: 65535 };

/** The schema of a whole S3X object. */
export const S3X_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'edgefs.rook.io/v1' },
    kind: { const: 'S3X' },
    metadata: {
      type: 'object',
      // The operator names its Deployment and Service `rook-edgefs-s3x-<name>`: a DNS-1123 label.
      properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 47 } },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['instances'],
      properties: {
        // A YAML `annotations:` with every entry commented out (as in Rook's example) is null: Go reads an empty map.
        annotations: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
        placement: {
          type: 'object',
          additionalProperties: false,
          properties: {
            nodeAffinity: { $ref: `${CORE}NodeAffinity` },
            podAffinity: { $ref: `${CORE}PodAffinity` },
            podAntiAffinity: { $ref: `${CORE}PodAntiAffinity` },
            tolerations: { type: 'array', items: { $ref: `${CORE}Toleration` } },
            topologySpreadConstraints: { type: 'array', items: { $ref: `${CORE}TopologySpreadConstraint` } },
          },
        },
        resources: { $ref: `${CORE}ResourceRequirements` },
        instances: { type: 'integer', minimum: 1 },
        port,
        securePort: port,
        serviceType: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
        externalPort: port,
        secureExternalPort: port,
        sslCertificateRef: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' },
        resourceProfile: { enum: ['embedded', 'performance'] },
        chunkCacheSize: { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
      },
    },
  },
} as const;
