import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CredentialsError,
  MIN_REMAINING_VALIDITY_MS,
  REFRESH_BEFORE_EXPIRY_MS,
  REFRESH_RETRY_INTERVAL_MS,
  credentialProvider,
  defaultSessionName,
  refreshing,
} from '../../../lib/engine/s3/credentials';
import { isRetryable } from '../../../lib/engine/errors';
import { remoteConfigFromEnv } from '../../../lib/model';
import { instanceMetadataServer, stsServer, type StsServer } from '../../support/credential-servers';

/** Every variable the SDK's credential chain reads, cleared so the machine's own settings do not leak in. */
const SDK_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_STS',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
];

function isolate(dir: string): void {
  for (const name of SDK_VARIABLES) vi.stubEnv(name, undefined);
  // Files that exist and are empty, so neither ~/.aws nor the machine's instance metadata answers.
  writeFileSync(join(dir, 'empty'), '');
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'empty'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'empty'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

const remote = (vars: Record<string, string>, name = 'source') =>
  remoteConfigFromEnv(name, {
    [`RCLONE_CONFIG_${name.toUpperCase()}_TYPE`]: 's3',
    [`RCLONE_CONFIG_${name.toUpperCase()}_PROVIDER`]: 'Ceph',
    [`RCLONE_CONFIG_${name.toUpperCase()}_ENDPOINT`]: 'http://127.0.0.1:1',
    ...vars,
  });

const KEYS = { accessKeyId: 'AKIDSTS', secretAccessKey: 'sts-handed-out-secret' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bucketbridge-creds-'));
  isolate(dir);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('refreshing', () => {
  const at = (clock: { now: number }, ms: number): AwsCredentialIdentity => ({
    accessKeyId: `AKID${ms}`,
    secretAccessKey: 's',
    expiration: new Date(clock.now + ms),
  });
  const fail = (err: unknown): CredentialsError => new CredentialsError(`failed: ${(err as Error).message}`);

  it('asks the source once, then again only when the credentials near their expiry', async () => {
    const clock = { now: 1_000_000 };
    const source = vi.fn(() => Promise.resolve(at(clock, 3_600_000)));
    const provider = refreshing(source, fail, { now: () => clock.now });
    const first = await provider();
    await Promise.all([provider(), provider(), provider()]);
    expect(source).toHaveBeenCalledTimes(1);
    expect(source).toHaveBeenCalledWith({ forceRefresh: true });
    clock.now += 3_600_000 - REFRESH_BEFORE_EXPIRY_MS - 1;
    expect(await provider()).toBe(first);
    expect(source).toHaveBeenCalledTimes(1);
    clock.now += 2;
    // Inside the refresh window: the current credentials are still returned, one refresh starts.
    const during = await Promise.all([provider(), provider()]);
    expect(during).toEqual([first, first]);
    expect(source).toHaveBeenCalledTimes(2);
    await vi.waitFor(async () => expect(await provider()).not.toBe(first));
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('waits for fresh credentials when the ones in hand are about to expire', async () => {
    const clock = { now: 0 };
    const source = vi.fn(() => Promise.resolve(at(clock, 900_000)));
    const provider = refreshing(source, fail, { now: () => clock.now });
    const first = await provider();
    clock.now += 900_000 - MIN_REMAINING_VALIDITY_MS + 1;
    const second = await provider();
    expect(second).not.toBe(first);
    expect(second.expiration?.getTime()).toBe(clock.now + 900_000);
  });

  it('keeps credentials without an expiration for good', async () => {
    const source = vi.fn(() => Promise.resolve({ accessKeyId: 'a', secretAccessKey: 'b' }));
    const provider = refreshing(source, fail);
    await provider();
    await provider();
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('reports a failed background refresh, keeps the valid credentials, and retries after an interval', async () => {
    const clock = { now: 0 };
    const source = vi.fn(() => Promise.resolve(at(clock, REFRESH_BEFORE_EXPIRY_MS + 120_000)));
    const errors: CredentialsError[] = [];
    const provider = refreshing(source, fail, { now: () => clock.now, onRefreshError: (err) => errors.push(err) });
    const first = await provider();
    source.mockImplementation(() => Promise.reject(new Error('STS is down')));
    clock.now += 120_001;
    expect(await provider()).toBe(first);
    await vi.waitFor(() => expect(errors.map((e) => e.message)).toEqual(['failed: STS is down']));
    expect(await provider()).toBe(first);
    expect(source).toHaveBeenCalledTimes(2);
    clock.now += REFRESH_RETRY_INTERVAL_MS;
    expect(await provider()).toBe(first);
    expect(source).toHaveBeenCalledTimes(3);
  });

  it('gives up on a source that never answers', async () => {
    const provider = refreshing(() => new Promise<AwsCredentialIdentity>(() => undefined), fail, { fetchTimeoutMs: 50 });
    await expect(provider()).rejects.toThrow(new CredentialsError('failed: no answer within 0.05 s'));
  });

  it('fails with the described error when no valid credentials are left', async () => {
    const provider = refreshing(() => Promise.reject(new Error('no route')), fail);
    await expect(provider()).rejects.toThrow(new CredentialsError('failed: no route'));
  });
});

describe('credentialProvider', () => {
  it('hands out static keys and session token as configured', async () => {
    const provider = credentialProvider(
      remote({ RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'AKID', RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'secret', RCLONE_CONFIG_SOURCE_SESSION_TOKEN: 'tok' }),
    );
    expect(await provider()).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' });
  });

  it('reads the environment through the default chain with ENV_AUTH=true', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    const provider = credentialProvider(remote({ RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' }));
    expect(await provider()).toMatchObject({ accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret' });
  });

  describe('with shared config and credentials files', () => {
    beforeEach(() => {
      writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\n[profile from-config]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n');
      writeFileSync(
        join(dir, 'credentials'),
        '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n' +
          '[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n',
      );
      writeFileSync(join(dir, 'other-credentials'), '[team]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other-secret\n');
      vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
    });

    it('uses AWS_PROFILE, or the default profile', async () => {
      const config = remote({ RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' });
      expect(await credentialProvider(config)()).toMatchObject({ accessKeyId: 'AKIDDEFAULT' });
      vi.stubEnv('AWS_PROFILE', 'from-config');
      expect(await credentialProvider(config)()).toMatchObject({ accessKeyId: 'AKIDCONFIG' });
    });

    it("uses the remote's PROFILE over AWS_PROFILE and over keys in the environment", async () => {
      vi.stubEnv('AWS_PROFILE', 'from-config');
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENV');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
      const warnings: string[] = [];
      const provider = credentialProvider(remote({ RCLONE_CONFIG_SOURCE_PROFILE: 'team' }), { onWarning: (message) => warnings.push(message) });
      expect(await provider()).toMatchObject({ accessKeyId: 'AKIDTEAM' });
      // The SDK's warning about the two sources reaches the engine's log instead of stderr.
      expect(warnings).toEqual([expect.stringContaining('Multiple credential sources detected')]);
    });

    it("reads the remote's SHARED_CREDENTIALS_FILE", async () => {
      const config = remote({ RCLONE_CONFIG_SOURCE_PROFILE: 'team', RCLONE_CONFIG_SOURCE_SHARED_CREDENTIALS_FILE: join(dir, 'other-credentials') });
      expect(await credentialProvider(config)()).toMatchObject({ accessKeyId: 'AKIDOTHER' });
    });

    it('fails naming the remote, the profile and what the chain tried, never a secret', async () => {
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENV');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
      const error = await credentialProvider(remote({ RCLONE_CONFIG_SOURCE_PROFILE: 'missing' }))().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(CredentialsError);
      const { message } = error as Error;
      expect(message).toMatch(/^remote 'source' \(RCLONE_CONFIG_SOURCE_ENV_AUTH\): no credentials from the AWS SDK default chain, which tried /);
      for (const tried of ['AWS_ACCESS_KEY_ID', 'RCLONE_CONFIG_SOURCE_PROFILE=missing', 'AWS_CONFIG_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
        expect(message).toContain(tried);
      }
      for (const secret of ['env-secret', 'team-secret', 'default-secret', 'config-secret']) expect(message).not.toContain(secret);
    });
  });

  it('reads IMDSv2 last in the chain, and refreshes from it before expiry', async () => {
    const imds = await instanceMetadataServer(KEYS, () => REFRESH_BEFORE_EXPIRY_MS + 60_000);
    try {
      vi.stubEnv('AWS_EC2_METADATA_DISABLED', undefined);
      vi.stubEnv('AWS_EC2_METADATA_SERVICE_ENDPOINT', imds.url);
      const clock = { now: Date.now() };
      const provider = credentialProvider(remote({ RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' }), { now: () => clock.now });
      expect(await provider()).toMatchObject({ ...KEYS, sessionToken: 'imds-session-3' });
      clock.now += 61_000;
      await provider();
      await vi.waitFor(async () => expect((await provider()).sessionToken).toBe('imds-session-6'));
      const credentialReads = imds.hits.filter((h) => h.path === '/latest/meta-data/iam/security-credentials/bucketbridge-node');
      expect(credentialReads).toHaveLength(2);
      expect(imds.hits.filter((h) => h.method === 'GET').every((h) => h.withToken)).toBe(true);
    } finally {
      await imds.close();
    }
  });

  it('fails naming the remote and the chain when nothing in it answers', async () => {
    const error = await credentialProvider(remote({ RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' }))().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(/^remote 'source' \(RCLONE_CONFIG_SOURCE_ENV_AUTH\): no credentials from the AWS SDK default chain/);
    expect((error as Error).message).toContain('the profile (AWS_PROFILE or default)');
  });
});

describe('credentialProvider with a role (local STS)', () => {
  let sts: StsServer;
  const lifetime = { ms: 3_600_000 };
  const ROLE = 'arn:aws:iam::123456789012:role/replicator';
  beforeEach(async () => {
    lifetime.ms = 3_600_000;
    sts = await stsServer({ keys: KEYS, lifetimeMs: () => lifetime.ms });
  });
  afterEach(() => sts.close());

  it('assumes ROLE_ARN with the static keys, session name and external id, at the remote endpoint of a non-AWS provider', async () => {
    const config = remoteConfigFromEnv('dest', {
      RCLONE_CONFIG_DEST_TYPE: 's3',
      RCLONE_CONFIG_DEST_PROVIDER: 'Ceph',
      RCLONE_CONFIG_DEST_ENDPOINT: sts.url,
      RCLONE_CONFIG_DEST_ACCESS_KEY_ID: 'AKIDBASE',
      RCLONE_CONFIG_DEST_SECRET_ACCESS_KEY: 'base-secret',
      RCLONE_CONFIG_DEST_ROLE_ARN: ROLE,
      RCLONE_CONFIG_DEST_ROLE_SESSION_NAME: 'nightly',
      RCLONE_CONFIG_DEST_ROLE_EXTERNAL_ID: 'ext-4711',
    });
    const provider = credentialProvider(config);
    const creds = await provider();
    expect(creds).toMatchObject({ accessKeyId: KEYS.accessKeyId, secretAccessKey: KEYS.secretAccessKey, sessionToken: 'sts-session-1' });
    expect(sts.calls).toEqual([
      expect.objectContaining({
        action: 'AssumeRole',
        signedBy: 'AKIDBASE',
        params: expect.objectContaining({ RoleArn: ROLE, RoleSessionName: 'nightly', ExternalId: 'ext-4711' }) as unknown,
      }),
    ]);
    await provider();
    expect(sts.calls).toHaveLength(1);
  });

  it('names the session after the remote, and uses STS_ENDPOINT when given', async () => {
    const config = remote({
      RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'AKIDBASE',
      RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'base-secret',
      RCLONE_CONFIG_SOURCE_ROLE_ARN: ROLE,
      RCLONE_CONFIG_SOURCE_STS_ENDPOINT: sts.url,
    });
    await credentialProvider(config)();
    expect(sts.calls[0]?.params.RoleSessionName).toBe('bucketbridge-source');
    expect(sts.calls[0]?.params.ExternalId).toBeUndefined();
    expect(defaultSessionName('my remote/with:odd*chars'.repeat(4))).toMatch(/^bucketbridge-my-remote-with-odd-chars[\w+=,.@-]{0,51}$/);
  });

  it('assumes the role on AWS through the endpoint the SDK is configured with (AWS_ENDPOINT_URL_STS)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_STS', sts.url);
    const config = remoteConfigFromEnv('aws', {
      RCLONE_CONFIG_AWS_TYPE: 's3',
      RCLONE_CONFIG_AWS_PROVIDER: 'AWS',
      RCLONE_CONFIG_AWS_REGION: 'eu-west-1',
      RCLONE_CONFIG_AWS_ACCESS_KEY_ID: 'AKIDBASE',
      RCLONE_CONFIG_AWS_SECRET_ACCESS_KEY: 'base-secret',
      RCLONE_CONFIG_AWS_ROLE_ARN: ROLE,
    });
    await credentialProvider(config)();
    expect(sts.calls).toHaveLength(1);
  });

  it('reads web identity (IRSA) through the chain, and the rotated token file on each refresh', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'token-1');
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', tokenFile);
    vi.stubEnv('AWS_ROLE_ARN', 'arn:aws:iam::123456789012:role/pod');
    vi.stubEnv('AWS_ROLE_SESSION_NAME', 'pod-session');
    vi.stubEnv('AWS_ENDPOINT_URL_STS', sts.url);
    lifetime.ms = REFRESH_BEFORE_EXPIRY_MS + 30_000;
    const clock = { now: Date.now() };
    const provider = credentialProvider(remote({ RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' }), { now: () => clock.now });
    const first = await provider();
    expect(first).toMatchObject({ accessKeyId: KEYS.accessKeyId, sessionToken: 'sts-session-1' });
    writeFileSync(tokenFile, 'token-2');
    clock.now += 31_000;
    expect(await provider()).toBe(first);
    await vi.waitFor(async () => expect(await provider()).toMatchObject({ sessionToken: 'sts-session-2' }));
    expect(sts.calls.map((c) => [c.action, c.params.RoleArn, c.params.RoleSessionName, c.params.WebIdentityToken])).toEqual([
      ['AssumeRoleWithWebIdentity', 'arn:aws:iam::123456789012:role/pod', 'pod-session', 'token-1'],
      ['AssumeRoleWithWebIdentity', 'arn:aws:iam::123456789012:role/pod', 'pod-session', 'token-2'],
    ]);
  });

  it('assumes ROLE_ARN on top of web identity, signed with the web identity credentials', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'token-1');
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', tokenFile);
    vi.stubEnv('AWS_ROLE_ARN', 'arn:aws:iam::123456789012:role/pod');
    vi.stubEnv('AWS_ENDPOINT_URL_STS', sts.url);
    await credentialProvider(remote({ RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true', RCLONE_CONFIG_SOURCE_ROLE_ARN: ROLE, RCLONE_CONFIG_SOURCE_STS_ENDPOINT: sts.url }))();
    expect(sts.calls.map((c) => [c.action, c.params.RoleArn, c.signedBy])).toEqual([
      ['AssumeRoleWithWebIdentity', 'arn:aws:iam::123456789012:role/pod', undefined],
      ['AssumeRole', ROLE, KEYS.accessKeyId],
    ]);
  });

  it('fails naming the remote, the role and the key variable, never the secret', async () => {
    sts.failNext(1, 'AccessDenied');
    const config = remote({
      RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'AKIDBASE',
      RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'base-secret',
      RCLONE_CONFIG_SOURCE_ROLE_ARN: ROLE,
      RCLONE_CONFIG_SOURCE_STS_ENDPOINT: sts.url,
    });
    const error = await credentialProvider(config)().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(
      `remote 'source': cannot assume RCLONE_CONFIG_SOURCE_ROLE_ARN ${ROLE} with RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID through STS at ` +
        'RCLONE_CONFIG_SOURCE_STS_ENDPOINT: AccessDenied: refused by the test STS',
    );
  });

  it('counts a throttled STS as transient, so the engine retries the request, and a refusal as not', async () => {
    const config = remote({
      RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'AKIDBASE',
      RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'base-secret',
      RCLONE_CONFIG_SOURCE_ROLE_ARN: ROLE,
      RCLONE_CONFIG_SOURCE_STS_ENDPOINT: sts.url,
    });
    // The STS client's own three attempts, all throttled.
    sts.failNext(3, 'Throttling');
    const throttled = await credentialProvider(config)().catch((err: unknown) => err);
    expect(sts.calls).toHaveLength(3);
    expect(throttled).toBeInstanceOf(CredentialsError);
    expect(isRetryable(throttled)).toBe(true);
    sts.failNext(1, 'AccessDenied');
    expect(isRetryable(await credentialProvider(config)().catch((err: unknown) => err))).toBe(false);
  });
});
