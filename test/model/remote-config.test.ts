import { describe, expect, it } from 'vitest';
import { RemoteConfigError, remoteConfigFromEnv, remoteEnvPrefix, sameServer } from '../../lib/model/remote-config';

const env = {
  RCLONE_CONFIG_SOURCE_TYPE: 's3',
  RCLONE_CONFIG_SOURCE_PROVIDER: 'Ceph',
  RCLONE_CONFIG_SOURCE_ENDPOINT: 'http://127.0.0.1:7480',
  RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID: 'AKID',
  RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY: 'very-secret',
};

describe('remoteConfigFromEnv', () => {
  it('reads a Ceph remote in rclone convention, path-style, with the default region', () => {
    expect(remoteConfigFromEnv('source', env)).toEqual({
      name: 'source',
      provider: 'Ceph',
      endpoint: 'http://127.0.0.1:7480',
      region: 'us-east-1',
      accessKeyId: 'AKID',
      secretAccessKey: 'very-secret',
      sessionToken: undefined,
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

  it('adds https to an endpoint given without a scheme, as rclone does', () => {
    expect(remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_ENDPOINT: 's3.example.com' }).endpoint).toBe(
      'https://s3.example.com',
    );
  });

  it('fails naming the remote when it is unknown', () => {
    expect(() => remoteConfigFromEnv('nope', env)).toThrow(/unknown remote 'nope': set RCLONE_CONFIG_NOPE_TYPE/);
  });

  it('fails naming the missing credential variable, never a value', () => {
    const partial: Record<string, string> = { ...env };
    delete partial.RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID;
    let error: unknown;
    try {
      remoteConfigFromEnv('source', partial);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RemoteConfigError);
    expect((error as Error).message).toContain('missing credential variable RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID');
    expect((error as Error).message).not.toContain('very-secret');
  });

  it('fails on a type other than s3 and on a non-AWS remote without endpoint', () => {
    expect(() => remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_TYPE: 'drive' })).toThrow(/only s3/);
    expect(() => remoteConfigFromEnv('source', { ...env, RCLONE_CONFIG_SOURCE_ENDPOINT: '' })).toThrow(/needs RCLONE_CONFIG_SOURCE_ENDPOINT/);
  });
});

describe('sameServer', () => {
  const a = remoteConfigFromEnv('source', env);

  it('holds for one endpoint with one set of credentials', () => {
    expect(sameServer(a, { ...a, name: 'other' })).toBe(true);
  });

  it('fails for another endpoint or other credentials', () => {
    expect(sameServer(a, { ...a, endpoint: 'http://localhost:7480' })).toBe(false);
    expect(sameServer(a, { ...a, accessKeyId: 'other' })).toBe(false);
  });
});
