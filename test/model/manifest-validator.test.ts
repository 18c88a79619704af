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
    const s3x = (spec: Record<string, unknown>) => ({ apiVersion: 'edgefs.rook.io/v1', kind: 'S3X', metadata: { name: 's3x' }, spec });
    expect(messages(s3x({ instances: 1, chunkCacheSize: '1Gi' }))).toEqual([]);
    expect(messages(s3x({ instances: 0 }))).toEqual(['edgefs.rook.io/v1 S3X s3x: /spec/instances must be >= 1']);
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
