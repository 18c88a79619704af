import { describe, expect, it } from 'vitest';
import type { EnvVar } from '../../lib/model/copy-backfill';
import { RemoteConfigError, remoteConfigFromEnv, remoteEnvPrefix, sameServer, type RemoteConfig } from '../../lib/model/remote-config';
import { remoteEnvironment } from '../../lib/model/remote-credentials';

const env = {
  RCLONE_CONFIG_SOURCE_TYPE: 's3',
  RCLONE_CONFIG_SOURCE_PROVIDER: 'Ceph',
  RCLONE_CONFIG_SOURCE_ENDPOINT: 'http://127.0.0.1:7480',
  RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'AKID',
  RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'very-secret',
};

/** The env without the static keys. */
const keyless = (): Record<string, string> => {
  const rest: Record<string, string> = { ...env };
  delete rest.RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID;
  delete rest.RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY;
  return rest;
};

/** The RemoteConfigError `remoteConfigFromEnv` throws for this environment. */
function failure(vars: Record<string, string>, remote = 'source'): RemoteConfigError {
  try {
    remoteConfigFromEnv(remote, vars);
  } catch (err) {
    expect(err).toBeInstanceOf(RemoteConfigError);
    return err as RemoteConfigError;
  }
  throw new Error('remoteConfigFromEnv did not throw');
}

describe('remoteConfigFromEnv', () => {
  it('reads a Ceph remote in rclone convention, path-style, with the default region', () => {
    expect(remoteConfigFromEnv('source', env)).toEqual({
      name: 'source',
      provider: 'Ceph',
      endpoint: 'http://127.0.0.1:7480',
      region: 'us-east-1',
      credentials: { source: 'static', accessKeyId: 'AKID', secretAccessKey: 'very-secret', sessionToken: undefined },
      assumeRole: undefined,
      forcePathStyle: true,
    });
  });

  it('upper-cases the remote name and maps other characters to underscores', () => {
    expect(remoteEnvPrefix('my-remote.1')).toBe('RCLONE_CONFIG_MY_REMOTE_1_');
  });

  it('uses virtual-hosted style for AWS, which needs no endpoint', () => {
    const config = remoteConfigFromEnv('aws', {
      RCLONE_CONFIG_AWS_TYPE: 's3',
      RCLONE_CONFIG_AWS_PROVIDER: 'AWS',
      RCLONE_CONFIG_AWS_REGION: 'eu-west-1',
      RCLONE_CONFIG_AWS_ACCESS_KEY_ID: 'a',
      RCLONE_CONFIG_AWS_SECRET_ACCESS_KEY: 'b',
    });
    expect(config.forcePathStyle).toBe(false);
    expect(config.endpoint).toBeUndefined();
    expect(config.region).toBe('eu-west-1');
  });

  it('reads FORCE_PATH_STYLE as rclone reads a boolean', () => {
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_FORCE_PATH_STYLE: 'false' }).forcePathStyle).toBe(false);
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_FORCE_PATH_STYLE: '0' }).forcePathStyle).toBe(false);
    expect(failure({ ...env, RCLONE_CONFIG_SOURCE_FORCE_PATH_STYLE: 'maybe' }).message).toContain(
      "RCLONE_CONFIG_SOURCE_FORCE_PATH_STYLE must be true or false, got 'maybe'",
    );
  });

  it('adds https to an endpoint given without a scheme, as rclone does', () => {
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_ENDPOINT: 's3.example.com' }).endpoint).toBe(
      'https://s3.example.com',
    );
  });

  it('keeps a session token with static keys', () => {
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_SESSION_TOKEN: 'tok' }).credentials).toEqual({
      source: 'static',
      accessKeyId: 'AKID',
      secretAccessKey: 'very-secret',
      sessionToken: 'tok',
    });
  });

  it('fails naming the remote when it is unknown', () => {
    expect(() => remoteConfigFromEnv('nope', env)).toThrow(/unknown remote 'nope': set RCLONE_CONFIG_NOPE_TYPE/);
  });

  it('fails naming the missing key variable, never a value', () => {
    const partial: Record<string, string> = { ...env };
    delete partial.RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID;
    const { message } = failure(partial);
    expect(message).toBe(
      "remote 'source' is misconfigured: RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY is set but RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID is not",
    );
    expect(message).not.toContain('very-secret');
  });

  it('fails naming both ways to give credentials when there are none', () => {
    expect(failure(keyless()).message).toMatch(
      /^remote 'source' is misconfigured: no credentials: set RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID and RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY, or RCLONE_CONFIG_SOURCE_ENV_AUTH=true/,
    );
    expect(failure({ ...keyless(), RCLONE_CONFIG_SOURCE_ENV_AUTH: 'false' }).message).toContain('no credentials');
  });

  it('fails on a session token without keys, never printing it', () => {
    const { message } = failure({ ...keyless(), RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true', RCLONE_CONFIG_SOURCE_SESSION_TOKEN: 'tok-secret' });
    expect(message).toContain('RCLONE_CONFIG_SOURCE_SESSION_TOKEN needs RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID and RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY');
    expect(message).not.toContain('tok-secret');
  });

  it('fails on a type other than s3 and on a non-AWS remote without endpoint', () => {
    expect(() => remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_TYPE: 'drive' })).toThrow(/only s3/);
    expect(() => remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_ENDPOINT: '' })).toThrow(
      /RCLONE_CONFIG_SOURCE_ENDPOINT is required for provider Ceph/,
    );
  });

  it('gathers every problem into one error', () => {
    const { message } = failure({
      ...keyless(),
      RCLONE_CONFIG_SOURCE_ENDPOINT: '',
      RCLONE_CONFIG_SOURCE_ENV_AUTH: 'yes',
      RCLONE_CONFIG_SOURCE_ROLE_SESSION_NAME: 'x y',
    });
    expect(message.split('; ')).toEqual([
      "remote 'source' is misconfigured: RCLONE_CONFIG_SOURCE_ENDPOINT is required for provider Ceph",
      "RCLONE_CONFIG_SOURCE_ENV_AUTH must be true or false, got 'yes'",
      expect.stringMatching(/^no credentials: set /),
      'RCLONE_CONFIG_SOURCE_ROLE_SESSION_NAME need RCLONE_CONFIG_SOURCE_ROLE_ARN',
    ]);
  });
});

describe('remoteConfigFromEnv: the AWS SDK credential chain', () => {
  it('selects the default chain with ENV_AUTH=true, as rclone names it', () => {
    for (const value of ['true', 'TRUE', '1', 't']) {
      expect(remoteConfigFromEnv('source', { ...keyless(), RCLONE_CONFIG_SOURCE_ENV_AUTH: value }).credentials).toEqual({
        source: 'default-chain',
        profile: undefined,
        sharedCredentialsFile: undefined,
      });
    }
  });

  it('uses static keys when they are set, even with ENV_AUTH=true, as rclone does', () => {
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' }).credentials.source).toBe('static');
  });

  it('selects the chain with a per-remote PROFILE and SHARED_CREDENTIALS_FILE, with or without ENV_AUTH', () => {
    const vars = { ...keyless(), RCLONE_CONFIG_SOURCE_PROFILE: 'backup', RCLONE_CONFIG_SOURCE_SHARED_CREDENTIALS_FILE: '/etc/aws/credentials' };
    const expected = { source: 'default-chain', profile: 'backup', sharedCredentialsFile: '/etc/aws/credentials' };
    expect(remoteConfigFromEnv('source', vars).credentials).toEqual(expected);
    expect(remoteConfigFromEnv('source', { ...vars, RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' }).credentials).toEqual(expected);
  });

  it('fails on a PROFILE next to static keys or ENV_AUTH=false, which contradict it', () => {
    expect(failure({ ...env, RCLONE_CONFIG_SOURCE_PROFILE: 'backup' }).message).toContain(
      "RCLONE_CONFIG_SOURCE_PROFILE select the AWS SDK's credential chain, but static keys are set too: keep one",
    );
    expect(failure({ ...keyless(), RCLONE_CONFIG_SOURCE_PROFILE: 'backup', RCLONE_CONFIG_SOURCE_ENV_AUTH: 'false' }).message).toContain(
      "RCLONE_CONFIG_SOURCE_PROFILE need the AWS SDK's credential chain, but RCLONE_CONFIG_SOURCE_ENV_AUTH=false",
    );
  });
});

describe('remoteConfigFromEnv: assumed roles', () => {
  const role = {
    RCLONE_CONFIG_SOURCE_ROLE_ARN: 'arn:aws:iam::123456789012:role/replicator',
    RCLONE_CONFIG_SOURCE_ROLE_SESSION_NAME: 'nightly-copy',
    RCLONE_CONFIG_SOURCE_ROLE_EXTERNAL_ID: 'ext-4711',
  };

  it('reads ROLE_ARN, ROLE_SESSION_NAME, ROLE_EXTERNAL_ID and STS_ENDPOINT on top of either credential source', () => {
    const withKeys = remoteConfigFromEnv('source', { ...env, ...role, RCLONE_CONFIG_SOURCE_STS_ENDPOINT: 'sts.example.com' });
    expect(withKeys.credentials.source).toBe('static');
    expect(withKeys.assumeRole).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/replicator',
      sessionName: 'nightly-copy',
      externalId: 'ext-4711',
      stsEndpoint: 'https://sts.example.com',
    });
    const withChain = remoteConfigFromEnv('source', { ...keyless(), ...role, RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' });
    expect(withChain.credentials.source).toBe('default-chain');
    expect(withChain.assumeRole?.roleArn).toBe('arn:aws:iam::123456789012:role/replicator');
  });

  it('accepts the account-less role ARN of Ceph RGW', () => {
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_ROLE_ARN: 'arn:aws:iam:::role/S3Access' }).assumeRole?.roleArn).toBe(
      'arn:aws:iam:::role/S3Access',
    );
  });

  it('fails on a malformed ARN, session name or external id, without echoing the external id', () => {
    const { message } = failure({
      ...env,
      RCLONE_CONFIG_SOURCE_ROLE_ARN: 'replicator',
      RCLONE_CONFIG_SOURCE_ROLE_SESSION_NAME: 'a b',
      RCLONE_CONFIG_SOURCE_ROLE_EXTERNAL_ID: 'bad id!',
    });
    expect(message).toContain("RCLONE_CONFIG_SOURCE_ROLE_ARN must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got 'replicator'");
    expect(message).toContain("RCLONE_CONFIG_SOURCE_ROLE_SESSION_NAME must be 2 to 64 of A-Z a-z 0-9 _ + = , . @ -, got 'a b'");
    expect(message).toContain('RCLONE_CONFIG_SOURCE_ROLE_EXTERNAL_ID must be 2 to 1224 of');
    expect(message).not.toContain('bad id!');
  });

  it('fails on role settings without ROLE_ARN, which would otherwise be ignored', () => {
    expect(failure({ ...env, RCLONE_CONFIG_SOURCE_ROLE_EXTERNAL_ID: 'ext-4711', RCLONE_CONFIG_SOURCE_STS_ENDPOINT: 'x' }).message).toContain(
      'RCLONE_CONFIG_SOURCE_ROLE_EXTERNAL_ID and RCLONE_CONFIG_SOURCE_STS_ENDPOINT need RCLONE_CONFIG_SOURCE_ROLE_ARN',
    );
  });
});

describe('sameServer', () => {
  const a = remoteConfigFromEnv('source', env);
  const chain = remoteConfigFromEnv('source', { ...keyless(), RCLONE_CONFIG_SOURCE_ENV_AUTH: 'true' });
  const withRole = (config: RemoteConfig, roleArn: string, externalId?: string): RemoteConfig => ({ ...config, assumeRole: { roleArn, externalId } });

  it('holds for one endpoint with one set of static keys', () => {
    expect(sameServer(a, { ...a, name: 'other' })).toBe(true);
  });

  it('fails for another endpoint or other keys', () => {
    expect(sameServer(a, { ...a, endpoint: 'http://localhost:7480' })).toBe(false);
    expect(sameServer(a, { ...a, credentials: { source: 'static', accessKeyId: 'other', secretAccessKey: 'very-secret' } })).toBe(false);
    expect(sameServer(a, { ...a, credentials: { source: 'static', accessKeyId: 'AKID', secretAccessKey: 'very-secret', sessionToken: 't' } })).toBe(
      false,
    );
  });

  it('holds for the default chain with the same profile, which one process resolves to one identity', () => {
    expect(sameServer(chain, { ...chain, name: 'destination' })).toBe(true);
    expect(sameServer(chain, { ...chain, credentials: { source: 'default-chain', profile: 'other' } })).toBe(false);
    expect(sameServer(chain, { ...chain, credentials: { source: 'default-chain', sharedCredentialsFile: '/other' } })).toBe(false);
  });

  it('fails between static keys and the default chain, which cannot be proven the same identity', () => {
    expect(sameServer(a, chain)).toBe(false);
  });

  it('holds for the same assumed role only', () => {
    const arn = 'arn:aws:iam::123456789012:role/replicator';
    expect(sameServer(withRole(chain, arn), withRole(chain, arn))).toBe(true);
    expect(sameServer(withRole(chain, arn), chain)).toBe(false);
    expect(sameServer(withRole(chain, arn), withRole(chain, `${arn}-2`))).toBe(false);
    expect(sameServer(withRole(a, arn, 'x1'), withRole(a, arn, 'x2'))).toBe(false);
  });
});

describe('remoteConfigFromEnv reads what remoteEnvironment renders for a construct', () => {
  /** The container's environment as the kubelet builds it: values as they are, Secret keys looked up. */
  function containerEnv(vars: readonly EnvVar[], secrets: Record<string, Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
      vars.map((v) => {
        if ('value' in v) return [v.name, v.value];
        const ref = v.valueFrom.secretKeyRef;
        return [v.name, secrets[ref.name]?.[ref.key] ?? ''];
      }),
    );
  }
  const secrets = { 'ceph-keys': { AWS_ACCESS_KEY_ID: 'AKIDCEPH', AWS_SECRET_ACCESS_KEY: 'ceph-secret', token: 'tok' } };
  const ceph = { provider: 'Ceph', endpoint: 'http://rook-ceph-rgw-store.rook-ceph.svc:80' };
  const role = { roleArn: 'arn:aws:iam::123456789012:role/writer', sessionName: 'crr-backfill', externalId: 'ext-4711' };

  it('a Secret: static keys and session token', () => {
    const rendered = remoteEnvironment('source', { ...ceph, credentials: { kind: 'secret', secretName: 'ceph-keys', sessionTokenKey: 'token' } });
    expect(remoteConfigFromEnv('source', containerEnv(rendered, secrets))).toEqual({
      name: 'source',
      provider: 'Ceph',
      endpoint: 'http://rook-ceph-rgw-store.rook-ceph.svc:80',
      region: 'us-east-1',
      credentials: { source: 'static', accessKeyId: 'AKIDCEPH', secretAccessKey: 'ceph-secret', sessionToken: 'tok' },
      assumeRole: undefined,
      forcePathStyle: true,
    });
  });

  it.each(['irsa', 'podIdentity', 'environment'] as const)('%s: the default chain, with the assumed role on top', (kind) => {
    const credentials = kind === 'irsa' ? { kind, roleArn: 'arn:aws:iam::123456789012:role/pod' } : { kind };
    const rendered = remoteEnvironment('destination', { provider: 'AWS', region: 'eu-west-1', credentials, assumeRole: role });
    expect(remoteConfigFromEnv('destination', containerEnv(rendered, secrets))).toEqual({
      name: 'destination',
      provider: 'AWS',
      endpoint: undefined,
      region: 'eu-west-1',
      credentials: { source: 'default-chain', profile: undefined, sharedCredentialsFile: undefined },
      assumeRole: { roleArn: role.roleArn, sessionName: 'crr-backfill', externalId: 'ext-4711', stsEndpoint: undefined },
      forcePathStyle: false,
    });
  });
});
