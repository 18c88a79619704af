import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';

interface Violation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly violatingResources: ReadonlyArray<{ resourceName: string; locations: string[]; manifestPath: string }>;
}

interface Plugin {
  validate(context: unknown): Promise<void>;
}

const { ManifestSchemaValidation } = createRequire(__filename)('../../scripts/cdk8s-validation.js') as {
  ManifestSchemaValidation: new () => Plugin;
};

const work = mkdtempSync(join(tmpdir(), 'bucketbridge-plugin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(objects: object[]): Promise<{ status?: string; violations: Violation[]; manifest: string }> {
  const manifest = join(work, `${objects.length}.k8s.yaml`);
  writeFileSync(manifest, objects.map((object) => yaml.dump(object)).join('---\n'));
  const result: { status?: string; violations: Violation[]; manifest: string } = { violations: [], manifest };
  await new ManifestSchemaValidation().validate({
    manifests: [manifest],
    parseManifest: (path: string) => yaml.loadAll(readFileSync(path, 'utf8')),
    report: {
      addViolation: (violation: Violation) => result.violations.push(violation),
      submit: (status: string) => {
        result.status = status;
      },
    },
  });
  return result;
}

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rgw-tls' }, type: 'kubernetes.io/tls' };
const store = {
  apiVersion: 'ceph.rook.io/v1',
  kind: 'CephObjectStore',
  metadata: { name: 'multisite-store' },
  spec: { gateway: { port: 'http' } },
};

describe('cdk8s validation plugin', () => {
  it('passes manifests whose objects match their schemas', async () => {
    expect(await run([secret])).toMatchObject({ status: 'success', violations: [] });
  });

  it('fails the synth and names the object, path and rule of each violation', async () => {
    const result = await run([secret, store, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(result.status).toBe('failure');
    expect(result.violations.map((violation) => violation.violatingResources)).toEqual([
      [{ resourceName: 'multisite-store', locations: ['/spec/gateway/port'], manifestPath: result.manifest }],
      [{ resourceName: 'w', locations: ['/'], manifestPath: result.manifest }],
    ]);
    expect(result.violations[0]?.recommendation).toBe(
      'ceph.rook.io/v1 CephObjectStore multisite-store: /spec/gateway/port must be integer',
    );
  });

  it("fails the synth on an Integration whose flows Camel would reject, though the Integration CRD accepts any flow", async () => {
    const integration = (option: string) => ({
      apiVersion: 'camel.apache.org/v1',
      kind: 'Integration',
      metadata: { name: 'ceph-to-aws-replicator' },
      spec: {
        flows: [
          { route: { from: { uri: 'direct:in', steps: [{ to: { uri: 'aws2-s3:bucket', parameters: { [option]: 'true' } } }] } } },
        ],
      },
    });
    expect(await run([integration('autoCreateBucket')])).toMatchObject({ status: 'success', violations: [] });
    const result = await run([integration('autoCreateBuckets')]);
    expect(result.status).toBe('failure');
    expect(result.violations[0]?.recommendation).toBe(
      'camel.apache.org/v1 Integration ceph-to-aws-replicator: /spec/flows/0/route/from/steps/0/to/parameters/autoCreateBuckets ' +
        '(Camel 4.14.9) aws2-s3: unknown option "autoCreateBuckets"',
      );
    });

  it("fails the synth on a Cosmos that breaks bucketbridge's Cosmos schema, which the upstream CRD would pass", async () => {
    const cosmos = {
      apiVersion: 'zenko.io/v1alpha1',
      kind: 'Cosmos',
      metadata: { name: 'my-aws', namespace: 'zenko' },
      spec: {
        rclone: {
          schedule: '0 8 * * * *',
          destination: { endpoint: 'http://zenko-cloudserver', region: 'my-aws', bucket: 'aws-bucket-name', accessKey: 'AKIA' },
        },
      },
    };
    const result = await run([cosmos]);
    expect(result.status).toBe('failure');
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0]?.violatingResources[0]?.locations).toEqual([
      '/spec/rclone/schedule',
      '/spec/rclone/destination',
      '/spec/rclone/destination/accessKey',
    ]);
    expect(result.violations[0]?.recommendation).toContain(
      'zenko.io/v1alpha1 Cosmos zenko/my-aws: /spec/rclone/schedule (bucketbridge Cosmos schema) must match format "kubernetes-cron"',
    );
  });
});
