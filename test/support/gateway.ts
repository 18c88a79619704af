/**
 * Access to the S3 gateway the `gateway` test project runs against: a real Ceph RADOS Gateway
 * started by `gateway-setup.ts` (or one given by BUCKETBRIDGE_TEST_S3_* variables).
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { removeBucket } from './buckets';

export interface Gateway {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the global setup hands to the tests: the gateway, or why there is none. */
export type GatewayOrError = { gateway: Gateway } | { error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    bucketbridgeGateway: GatewayOrError;
  }
}

/** The running gateway; throws the setup's error if it could not start one. */
export function gateway(): Gateway {
  const provided = inject('bucketbridgeGateway');
  if (provided === undefined) {
    throw new Error(
      'no S3 gateway: gateway() works only in the vitest "gateway" project, whose global setup starts one ' +
        '(run the file as test/**/*.gateway.test.ts)',
    );
  }
  if ('error' in provided) throw new Error(provided.error);
  return provided.gateway;
}

/**
 * An S3 client for the gateway: path-style, and checksums only when an operation requires them,
 * because RGW 16.2 rejects the SDK's default aws-chunked trailing checksums on streaming PUTs.
 */
export function s3(gw: Gateway = gateway()): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: gw.region,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The buckets `createBucket` made in this test file, for `removeCreatedBuckets`. */
const created: { name: string; gw: Gateway }[] = [];

/**
 * Creates a bucket no other test uses, named `<prefix>-<random>`, and returns its name. It is
 * removed, with its objects, after the test file (`gateway-cleanup.ts`).
 */
export async function createBucket(prefix: string, gw: Gateway = gateway()): Promise<string> {
  const stem = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'test';
  const name = `${stem}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const client = s3(gw);
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
    created.push({ name, gw });
  } finally {
    client.destroy();
  }
  return name;
}

/**
 * Removes every bucket `createBucket` made so far in this file, with its objects and unfinished
 * uploads: the gateway may be one the developer keeps, or one given by BUCKETBRIDGE_TEST_S3_*,
 * where test buckets (some with 200 MiB bodies) would otherwise pile up run after run.
 */
export async function removeCreatedBuckets(): Promise<void> {
  for (const { name, gw } of created.splice(0)) {
    const client = s3(gw);
    try {
      await removeBucket(client, name);
    } finally {
      client.destroy();
    }
  }
}

/** rclone-convention variables (RCLONE_CONFIG_<REMOTE>_*) that configure `remote` as this gateway. */
export function rcloneEnv(remote: string, gw: Gateway = gateway()): Record<string, string> {
  const prefix = `RCLONE_CONFIG_${remote.toUpperCase()}_`;
  return {
    [`${prefix}TYPE`]: 's3',
    [`${prefix}PROVIDER`]: 'Ceph',
    [`${prefix}ENDPOINT`]: gw.endpoint,
    [`${prefix}REGION`]: gw.region,
    [`${prefix}ACCESS_KEY_ID`]: gw.accessKeyId,
    [`${prefix}SECRET_ACCESS_KEY`]: gw.secretAccessKey,
  };
}
