import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CRDS_DIR_ENV,
  ManifestValidator,
  crdsDirectory,
  formatManifestProblem,
} from '../../lib/model/manifest-validator';

const validator = ManifestValidator.forDirectory();

const objectStore = (gateway: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'ceph.rook.io/v1',
  kind: 'CephObjectStore',
  metadata: { name: 'store', namespace: 'rook-ceph' },
  spec: { zone: { name: 'site-a' }, gateway, ...extra },
});

const messages = (object: unknown) => validator.validate(object).map(formatManifestProblem);

describe('ManifestValidator', () => {
  it('accepts a CephObjectStore that matches the Rook schema', () => {
    expect(messages(objectStore({ instances: 1, port: 80 }))).toEqual([]);
  });

  it('rejects a wrong field type against the real Rook schema', () => {
    expect(messages(objectStore({ instances: 1, port: '80' }))).toEqual([
      'ceph.rook.io/v1 CephObjectStore rook-ceph/store: /spec/gateway/port must be integer',
    ]);
  });

  it('rejects a field the schema does not declare, as strict field validation does', () => {
    expect(messages(objectStore({ port: 80 }, { zones: [] }))).toEqual([
      "ceph.rook.io/v1 CephObjectStore rook-ceph/store: /spec must NOT have additional properties: 'zones'",
    ]);
  });

  it('rejects an object whose kind has no schema', () => {
    const object = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'keys' } };
    expect(messages(object)).toEqual([
      'external-secrets.io/v1 ExternalSecret keys: / has no schema for this apiVersion and kind',
    ]);
  });

  it('rejects an object without a name and bad metadata on custom resources', () => {
    const unnamed = { ...objectStore({ port: 80 }), metadata: { namespace: 'rook-ceph' } };
    expect(messages(unnamed)).toEqual([
      "ceph.rook.io/v1 CephObjectStore rook-ceph: /metadata must have property 'name'",
    ]);
    const badLabels = { ...objectStore({ port: 80 }), metadata: { name: 'store', labels: { app: 1 } } };
    expect(messages(badLabels)).toEqual([
      'ceph.rook.io/v1 CephObjectStore store: /metadata/labels/app must be string',
    ]);
  });

  it('validates core objects against the Kubernetes 1.28 definitions', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    };
    expect(messages(deployment)).toEqual(["apps/v1 Deployment web: /spec must have required property 'selector'"]);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { a: 'b' } };
    expect(messages(secret)).toEqual([]);
  });

  it('compiles Go RE2 inline flags: (?i) makes the whole pattern case-insensitive', () => {
    const rule = (strategy: string) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'rules' },
      spec: { groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'A', expr: 'up' }] }] },
    });
    expect(messages(rule('WARN'))).toEqual([]);
    expect(messages(rule('ignore'))).toEqual([
      'monitoring.coreos.com/v1 PrometheusRule rules: /spec/groups/0/partial_response_strategy must match pattern "^(?i)(abort|warn)?$"',
    ]);
  });

  it('compiles a nullable without type (Rook CephObjectStoreUser quotas.maxSize)', () => {
    const user = {
      apiVersion: 'ceph.rook.io/v1',
      kind: 'CephObjectStoreUser',
      metadata: { name: 'u' },
      spec: { store: 'store', quotas: { maxSize: '10G' } },
    };
    expect(messages(user)).toEqual([]);
  });

  it('reads apiextensions v1beta1 spec.validation and keeps unknown fields as v1beta1 does', () => {
    const s3 = (spec: Record<string, unknown>) => ({ apiVersion: 'edgefs.rook.io/v1', kind: 'S3', metadata: { name: 's3' }, spec });
    expect(messages(s3({ instances: 1, chunkCacheSize: '1Gi', notInTheGoType: true }))).toEqual([]);
    expect(messages(s3({ instances: 0 }))).toEqual(['edgefs.rook.io/v1 S3 s3: /spec/instances must be >= 1']);
  });

  it("applies bucketbridge's own S3X schema as well as the EdgeFS CRD, which only declares instances", () => {
    const s3x = (spec: Record<string, unknown>) => ({ apiVersion: 'edgefs.rook.io/v1', kind: 'S3X', metadata: { name: 's3x' }, spec });
    expect(messages(s3x({ instances: 1, port: 3000, chunkCacheSize: '1Gi', placement: {}, annotations: null }))).toEqual([]);
    expect(messages(s3x({ instances: 0, securPort: 3001, serviceType: 'Ingress' }))).toEqual([
      'edgefs.rook.io/v1 S3X s3x: /spec/instances must be >= 1',
      "edgefs.rook.io/v1 S3X s3x: /spec (bucketbridge S3X schema) must NOT have additional properties: 'securPort'",
      'edgefs.rook.io/v1 S3X s3x: /spec/instances (bucketbridge S3X schema) must be >= 1',
      'edgefs.rook.io/v1 S3X s3x: /spec/serviceType (bucketbridge S3X schema) must be equal to one of the allowed values: ["ClusterIP","NodePort","LoadBalancer"]',
    ]);
    const upper = { ...s3x({ instances: 1 }), metadata: { name: 's3xCola' } };
    expect(messages(upper)).toEqual([
      'edgefs.rook.io/v1 S3X s3xCola: /metadata/name (bucketbridge S3X schema) must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"',
    ]);
  });

  it("applies bucketbridge's own Cosmos schema, since the Zenko CRD declares no properties", () => {
    const cosmos = (rclone: Record<string, unknown>) => ({
      apiVersion: 'zenko.io/v1alpha1',
      kind: 'Cosmos',
      metadata: { name: 'my-aws' },
      spec: { pfsd: { enabled: false }, rclone },
    });
    const destination = { endpoint: 'http://zenko-cloudserver', region: 'my-aws', bucket: 'mirror', existingSecret: 'zenko-metadata-ingestion' };
    const source = { type: 's3', provider: 'AWS', region: 'us-east-1', bucket: 'aws-bucket', existingSecret: 'my-aws' };
    expect(messages(cosmos({ schedule: '@hourly', source, destination, options: { transfers: 32, 'cache-workers': 8 } }))).toEqual([]);
    expect(
      messages(cosmos({ schedule: '0 8 * * * *', source: { ...source, existingSecret: undefined, secret_access_key: 'x' }, destination: {} })),
    ).toEqual([
      'zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/schedule (bucketbridge Cosmos schema) must match format "kubernetes-cron"',
      "zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/source (bucketbridge Cosmos schema) must have required property 'existingSecret'",
      'zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/source (bucketbridge Cosmos schema) must match "then" schema',
      'zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/source/secret_access_key (bucketbridge Cosmos schema) must NOT be valid',
      "zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/destination (bucketbridge Cosmos schema) must have required property 'endpoint'",
      "zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/destination (bucketbridge Cosmos schema) must have required property 'region'",
      "zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/destination (bucketbridge Cosmos schema) must have required property 'bucket'",
      "zenko.io/v1alpha1 Cosmos my-aws: /spec/rclone/destination (bucketbridge Cosmos schema) must have required property 'existingSecret'",
    ]);
  });

  it('passes an object that matches any of several releases of the same kind, else reports each', () => {
    const topic = (spec: Record<string, unknown>) => ({ apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic', metadata: { name: 't' }, spec });
    expect(messages(topic({ partitions: 1, replicas: 1 }))).toEqual([]);
    const problems = messages(topic({ partitions: 'one' }));
    expect(problems).toContain('kafka.strimzi.io/v1 KafkaTopic t: /spec/partitions (strimzi-0.51.0.kafkatopic.crd.yaml) must be integer');
    expect(problems).toContain('kafka.strimzi.io/v1 KafkaTopic t: /spec/partitions (strimzi-1.2.0.kafkatopic.crd.yaml) must be integer');
  });

  it('keeps one validator per directory', () => {
    expect(ManifestValidator.forDirectory(crdsDirectory())).toBe(validator);
  });
});

describe('crdsDirectory', () => {
  it(`defaults to ../shared/crds beside the package and honours ${CRDS_DIR_ENV}`, () => {
    expect(crdsDirectory({})).toBe(resolve(__dirname, '..', '..', '..', 'shared', 'crds'));
    expect(crdsDirectory({ [CRDS_DIR_ENV]: 'some/dir' })).toBe(resolve('some/dir'));
  });

  it('loads only the schemas found in the directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bucketbridge-crds-'));
    try {
      const objectMeta = { 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object' } };
      writeFileSync(join(dir, 'k8s-1.28-definitions.json'), JSON.stringify({ definitions: objectMeta }));
      const empty = ManifestValidator.forDirectory(dir);
      expect(empty.kinds).toEqual([]);
      expect(empty.validate(objectStore({ port: 80 }))[0]?.message).toBe('has no schema for this apiVersion and kind');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
