/**
 * The engine on the real gateway with credentials from each source AWS and Kubernetes users give
 * them: container credentials (EKS Pod Identity, ECS), web identity (IRSA), shared config
 * profiles, and an assumed role. Local servers stand in for the credential endpoint and STS; they
 * hand out the gateway user's keys with a session token (RGW accepts a token next to plain keys)
 * and an expiration just past the refresh window, so every run refreshes several times.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REFRESH_BEFORE_EXPIRY_MS, credentialProvider } from '../../../lib/engine/s3/credentials';
import { remoteConfigFromEnv } from '../../../lib/model';
import { containerCredentialsServer, instanceMetadataServer, stsServer, type StsCall } from '../../support/credential-servers';
import { createBucket, gateway, rcloneEnv, s3 } from '../../support/gateway';
import { engineBuild, ensureEngineBuild } from '../../support/engine-bundle';
import { listAll } from '../fixtures';
import { errorLine, runCli, runNode, type CliResult } from '../run-cli';

/** Credentials that enter the refresh window 150 ms after they are handed out. */
const SHORT_LIFETIME = (): number => REFRESH_BEFORE_EXPIRY_MS + 150;
const FILES = 60;
const FILE_BYTES = 128 * 1024;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bucketbridge-creds-gw-'));
  writeFileSync(join(dir, 'empty'), '');
});

/** The environment of every run: nothing from this machine's AWS setup, no instance metadata. */
function baseEnv(): Record<string, string> {
  return {
    AWS_CONFIG_FILE: join(dir, 'empty'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'empty'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** A remote on the gateway without credentials: the test says where they come from. */
function keylessRemote(remote: string, extra: Record<string, string>): Record<string, string> {
  const env = rcloneEnv(remote);
  const prefix = `RCLONE_CONFIG_${remote.toUpperCase()}_`;
  delete env[`${prefix}ACCESS_KEY_ID`];
  delete env[`${prefix}SECRET_ACCESS_KEY`];
  return { ...env, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [prefix + k, v])) };
}

/** A local directory of FILES files, so a run makes FILES signed PUTs one after another. */
function localFiles(): string {
  const source = mkdtempSync(join(dir, 'files-'));
  for (let i = 0; i < FILES; i += 1) writeFileSync(join(source, `f${String(i).padStart(3, '0')}`), Buffer.alloc(FILE_BYTES, i));
  return source;
}

async function expectCopied(result: CliResult, bucket: string, count: number): Promise<void> {
  expect(result.stderr).not.toMatch(/"level":(40|50)/);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ copied: count, failed: 0 });
  const client = s3();
  try {
    expect(await listAll(client, bucket)).toHaveLength(count);
  } finally {
    client.destroy();
  }
}

function expectNoSecret(result: CliResult): void {
  expect(result.stdout + result.stderr).not.toContain(gateway().secretAccessKey);
}

describe('container credentials (EKS Pod Identity, ECS)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function podIdentity(): Promise<{ env: Record<string, string>; hits: { at: number; authorized: boolean }[] }> {
    const tokenFile = join(dir, 'eks-pod-identity-token');
    writeFileSync(tokenFile, 'pod-identity-token-1');
    const server = await containerCredentialsServer(gateway(), tokenFile, SHORT_LIFETIME);
    closers.push(() => server.close());
    return {
      hits: server.hits,
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: server.url, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile },
    };
  }

  it('syncs with ENV_AUTH=true and refreshes the credentials during the run', async () => {
    const bucket = await createBucket('creds-container');
    const pod = await podIdentity();
    const started = Date.now();
    const result = await runCli(['copy', localFiles(), `destination:${bucket}`, '--transfers', '1', '--json'], {
      ...baseEnv(),
      ...pod.env,
      ...keylessRemote('destination', { ENV_AUTH: 'true' }),
    });
    await expectCopied(result, bucket, FILES);
    const hits = pod.hits;
    expect(hits.every((h) => h.authorized)).toBe(true);
    // One fetch at the start, then one each time the credentials entered the refresh window.
    expect(hits.length).toBeGreaterThanOrEqual(3);
    expect(hits[0]!.at).toBeGreaterThan(started);
    expect(hits.at(-1)!.at - hits[0]!.at).toBeGreaterThanOrEqual(2 * 150);
    expectNoSecret(result);
  });

  it('serves an S3Client of the SDK, which asks the provider on every request', async () => {
    const bucket = await createBucket('creds-sdk');
    const pod = await podIdentity();
    for (const [name, value] of Object.entries({ ...baseEnv(), ...pod.env })) vi.stubEnv(name, value);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) vi.stubEnv(name, undefined);
    const config = remoteConfigFromEnv('pod', keylessRemote('pod', { ENV_AUTH: 'true' }));
    const client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: true,
      credentials: credentialProvider(config),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      for (let i = 0; i < 6; i += 1) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: `body ${i}` }));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k5' }));
      expect(await got.Body?.transformToString()).toBe('body 5');
    } finally {
      client.destroy();
      vi.unstubAllEnvs();
    }
    expect(pod.hits.length).toBeGreaterThanOrEqual(4);
    expect(pod.hits.every((h) => h.authorized)).toBe(true);
  });
});

describe('web identity (IRSA)', () => {
  it('syncs through AssumeRoleWithWebIdentity, reading the token file as it is rotated during the run', async () => {
    const bucket = await createBucket('creds-irsa');
    const tokenFile = join(dir, 'eks.amazonaws.com-serviceaccount-token');
    const written = ['projected-token-0'];
    writeFileSync(tokenFile, written[0]!);
    const refused: StsCall[] = [];
    const sts = await stsServer({
      keys: gateway(),
      lifetimeMs: SHORT_LIFETIME,
      // The kubelet rotates the projected token; the last few stay valid a while (a token read
      // just before a rotation reaches STS just after it), older ones do not.
      check: (call) => {
        const fresh = written.slice(-3).includes(call.params.WebIdentityToken ?? '');
        if (call.action !== 'AssumeRoleWithWebIdentity' || call.params.RoleArn !== 'arn:aws:iam::123456789012:role/bucket-sync' || !fresh) {
          refused.push(call);
          return 'InvalidIdentityToken';
        }
        return undefined;
      },
    });
    const rotation = setInterval(() => {
      written.push(`projected-token-${written.length}`);
      writeFileSync(tokenFile, written.at(-1)!);
    }, 250);
    let result: CliResult;
    try {
      result = await runCli(['copy', localFiles(), `destination:${bucket}`, '--transfers', '1', '--json'], {
        ...baseEnv(),
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/bucket-sync',
        AWS_ENDPOINT_URL_STS: sts.url,
        ...keylessRemote('destination', { ENV_AUTH: 'true' }),
      });
    } finally {
      clearInterval(rotation);
      await sts.close();
    }
    await expectCopied(result, bucket, FILES);
    expect(refused).toEqual([]);
    expect(sts.calls.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sts.calls.map((c) => c.params.WebIdentityToken)).size).toBeGreaterThanOrEqual(2);
    expectNoSecret(result);
  });
});

describe('instance metadata (IMDSv2)', () => {
  it('syncs with the node role from IMDSv2 and refreshes it during the run', async () => {
    const bucket = await createBucket('creds-imds');
    const imds = await instanceMetadataServer(gateway(), SHORT_LIFETIME);
    let result: CliResult;
    try {
      const env = { ...baseEnv(), AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, ...keylessRemote('destination', { ENV_AUTH: 'true' }) };
      delete (env as Record<string, string | undefined>).AWS_EC2_METADATA_DISABLED;
      result = await runCli(['copy', localFiles(), `destination:${bucket}`, '--transfers', '1', '--json'], env);
    } finally {
      await imds.close();
    }
    await expectCopied(result, bucket, FILES);
    const reads = imds.hits.filter((h) => h.path.endsWith('/security-credentials/bucketbridge-node'));
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(imds.hits.filter((h) => h.method === 'GET').every((h) => h.withToken)).toBe(true);
    expectNoSecret(result);
  });
});

describe('shared config profiles', () => {
  function profiles(): Record<string, string> {
    const gw = gateway();
    writeFileSync(
      join(dir, 'config'),
      `[profile in-config]\naws_access_key_id = ${gw.accessKeyId}\naws_secret_access_key = ${gw.secretAccessKey}\n`,
    );
    writeFileSync(
      join(dir, 'credentials'),
      `[lab]\naws_access_key_id = ${gw.accessKeyId}\naws_secret_access_key = ${gw.secretAccessKey}\n` +
        '[broken]\naws_access_key_id = BUCKETBRIDGENOSUCHKEY\naws_secret_access_key = not-a-real-secret\n',
    );
    return { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_PROFILE: 'broken' };
  }

  it("uses each remote's PROFILE over AWS_PROFILE, from the credentials and the config file", async () => {
    const [source, destination] = await Promise.all([createBucket('creds-prof-src'), createBucket('creds-prof-dst')]);
    const client = s3();
    for (const key of ['a', 'b/c']) await client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: key }));
    client.destroy();
    const result = await runCli(['sync', `source:${source}`, `destination:${destination}`, '--json'], {
      ...baseEnv(),
      ...profiles(),
      ...keylessRemote('source', { PROFILE: 'lab' }),
      ...keylessRemote('destination', { ENV_AUTH: 'true', PROFILE: 'in-config' }),
    });
    await expectCopied(result, destination, 2);
    expectNoSecret(result);
  });

  it('uses AWS_PROFILE with ENV_AUTH=true alone, and names the remote when its keys are refused', async () => {
    const bucket = await createBucket('creds-prof');
    const result = await runCli(['sync', `source:${bucket}`, `destination:${bucket}`], {
      ...baseEnv(),
      ...profiles(),
      ...rcloneEnv('source'),
      ...keylessRemote('destination', { ENV_AUTH: 'true' }),
    });
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(/^bucketbridge: access denied to bucket '.+' on remote 'destination' \(.+\): InvalidAccessKeyId$/);
    expect(result.stdout + result.stderr).not.toContain('not-a-real-secret');
    expectNoSecret(result);
  });

  it('fails naming the remote and what the chain tried when no source has credentials', async () => {
    const bucket = await createBucket('creds-none');
    const result = await runCli(['sync', `source:${bucket}`, `destination:${bucket}`], {
      ...baseEnv(),
      ...keylessRemote('source', { ENV_AUTH: 'true', PROFILE: 'absent' }),
      ...rcloneEnv('destination'),
    });
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(
      /^bucketbridge: remote 'source' \(RCLONE_CONFIG_SOURCE_ENV_AUTH\): no credentials from the AWS SDK default chain, which tried .*RCLONE_CONFIG_SOURCE_PROFILE=absent/,
    );
    expectNoSecret(result);
  });
});

describe('an assumed role (ROLE_ARN)', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/replicator';

  async function withSts(externalId: string): Promise<{ result: CliResult; calls: StsCall[]; bucket: string }> {
    const bucket = await createBucket('creds-role');
    const gw = gateway();
    const sts = await stsServer({
      keys: gw,
      lifetimeMs: SHORT_LIFETIME,
      check: (call) =>
        call.action === 'AssumeRole' &&
        call.params.RoleArn === ROLE &&
        call.params.RoleSessionName === 'bucketbridge-nightly' &&
        call.params.ExternalId === 'ext-4711' &&
        call.signedBy === gw.accessKeyId
          ? undefined
          : 'AccessDenied',
    });
    try {
      const result = await runCli(['copy', localFiles(), `destination:${bucket}`, '--transfers', '1', '--json'], {
        ...baseEnv(),
        ...rcloneEnv('destination'),
        RCLONE_CONFIG_DESTINATION_ROLE_ARN: ROLE,
        RCLONE_CONFIG_DESTINATION_ROLE_SESSION_NAME: 'bucketbridge-nightly',
        RCLONE_CONFIG_DESTINATION_ROLE_EXTERNAL_ID: externalId,
        RCLONE_CONFIG_DESTINATION_STS_ENDPOINT: sts.url,
      });
      return { result, calls: sts.calls, bucket };
    } finally {
      await sts.close();
    }
  }

  it('assumes the role with the static keys, external id and session name, and refreshes it during the run', async () => {
    const { result, calls, bucket } = await withSts('ext-4711');
    await expectCopied(result, bucket, FILES);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.every((c) => c.action === 'AssumeRole' && c.params.ExternalId === 'ext-4711')).toBe(true);
    expectNoSecret(result);
  });

  it('fails naming the remote, the role and the key variable when STS refuses, never a secret', async () => {
    const { result } = await withSts('ext-wrong');
    expect(result.code).toBe(2);
    expect(errorLine(result)).toBe(
      `bucketbridge: remote 'destination': cannot assume RCLONE_CONFIG_DESTINATION_ROLE_ARN ${ROLE} with ` +
        'RCLONE_CONFIG_DESTINATION_ACCESS_KEY_ID through STS at RCLONE_CONFIG_DESTINATION_STS_ENDPOINT: AccessDenied: refused by the test STS',
    );
    expectNoSecret(result);
  });
});

describe('the bundled CLI (build/engine/bucketbridge.cjs)', () => {
  // The providers load their parts with require() at first use; the bundle must carry them all.
  it('syncs with web identity, a role assumed on top of it, and container credentials', async () => {
    await ensureEngineBuild();
    const gw = gateway();
    const [source, destination] = await Promise.all([createBucket('creds-bundle-src'), createBucket('creds-bundle-dst')]);
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: source, Key: 'k', Body: 'from the bundle' }));
    client.destroy();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'bundle-token');
    const sts = await stsServer({ keys: gw, lifetimeMs: SHORT_LIFETIME });
    const pod = join(dir, 'pod-token');
    writeFileSync(pod, 'pod-token');
    const container = await containerCredentialsServer(gw, pod, SHORT_LIFETIME);
    try {
      const irsa = await runNode([engineBuild.entry, 'sync', `source:${source}`, `destination:${destination}`, '--json'], {
        ...baseEnv(),
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/pod',
        AWS_ENDPOINT_URL_STS: sts.url,
        ...keylessRemote('source', { ENV_AUTH: 'true' }),
        ...keylessRemote('destination', { ENV_AUTH: 'true', ROLE_ARN: 'arn:aws:iam::123456789012:role/writer', STS_ENDPOINT: sts.url }),
      });
      await expectCopied(irsa, destination, 1);
      expect(sts.calls.map((c) => c.action)).toEqual(expect.arrayContaining(['AssumeRoleWithWebIdentity', 'AssumeRole']));
      const pods = await runNode([engineBuild.entry, 'check', `source:${source}`, `destination:${destination}`], {
        ...baseEnv(),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: pod,
        ...keylessRemote('source', { ENV_AUTH: 'true' }),
        ...keylessRemote('destination', { ENV_AUTH: 'true' }),
      });
      expect(pods.code, pods.stderr).toBe(0);
      expect(container.hits.length).toBeGreaterThanOrEqual(1);
      expect(container.hits.every((h) => h.authorized)).toBe(true);
    } finally {
      await Promise.all([sts.close(), container.close()]);
    }
  });
});
