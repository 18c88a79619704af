import { describe, expect, it } from 'vitest';
import type { EnvVar } from '../../lib/model/copy-backfill';
import { Problems } from '../../lib/model/errors';
import { remoteConfigFromEnv } from '../../lib/model/remote-config';
import {
  IRSA_ROLE_ANNOTATION,
  needsServiceAccountToken,
  remoteEnvironment,
  serviceAccountAnnotations,
  validateRemotes,
  type S3RemoteSpec,
} from '../../lib/model/remote-credentials';

const ROLE = 'arn:aws:iam::123456789012:role/bucketbridge-sync';
const ceph: S3RemoteSpec = {
  provider: 'Ceph',
  endpoint: 'http://rook-ceph-rgw-store.rook-ceph.svc',
  credentials: { kind: 'secret', secretName: 'ceph-keys' },
};
const aws: S3RemoteSpec = { provider: 'AWS', region: 'eu-west-1', credentials: { kind: 'irsa', roleArn: ROLE } };

function problemsOf(remotes: Record<string, S3RemoteSpec>): string[] {
  const problems = new Problems('test');
  validateRemotes(problems, remotes);
  try {
    problems.throwIfAny();
    return [];
  } catch (err) {
    return (err as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
}

describe('remoteEnvironment', () => {
  it('references Secret keys for access keys and renders no literal credential', () => {
    expect(remoteEnvironment('source', { ...ceph, credentials: { kind: 'secret', secretName: 'ceph-keys', sessionTokenKey: 'token' } })).toEqual([
      { name: 'RCLONE_CONFIG_SOURCE_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_SOURCE_PROVIDER', value: 'Ceph' },
      { name: 'RCLONE_CONFIG_SOURCE_ENDPOINT', value: 'http://rook-ceph-rgw-store.rook-ceph.svc' },
      { name: 'RCLONE_CONFIG_SOURCE_REGION', value: 'us-east-1' },
      { name: 'RCLONE_CONFIG_SOURCE_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'ceph-keys', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'RCLONE_CONFIG_SOURCE_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'ceph-keys', key: 'AWS_SECRET_ACCESS_KEY' } } },
      { name: 'RCLONE_CONFIG_SOURCE_SESSION_TOKEN', valueFrom: { secretKeyRef: { name: 'ceph-keys', key: 'token' } } },
    ]);
  });

  it('turns on the default credential chain for IRSA, Pod Identity and the environment, with no keys', () => {
    for (const credentials of [{ kind: 'irsa', roleArn: ROLE }, { kind: 'podIdentity' }, { kind: 'environment' }] as const) {
      const env = remoteEnvironment('destination', { provider: 'AWS', credentials });
      expect(env).toContainEqual({ name: 'RCLONE_CONFIG_DESTINATION_ENV_AUTH', value: 'true' });
      expect(env.map((e) => e.name).filter((n) => /KEY|TOKEN/.test(n))).toEqual([]);
    }
  });

  it('adds the role to assume with its session name and external id', () => {
    const env = remoteEnvironment('dst', { ...aws, assumeRole: { roleArn: ROLE, sessionName: 'bb', externalId: 'ext-1' } });
    expect(env.slice(-3)).toEqual([
      { name: 'RCLONE_CONFIG_DST_ROLE_ARN', value: ROLE },
      { name: 'RCLONE_CONFIG_DST_ROLE_SESSION_NAME', value: 'bb' },
      { name: 'RCLONE_CONFIG_DST_ROLE_EXTERNAL_ID', value: 'ext-1' },
    ]);
  });

  it('renders what the engine reads back as the same remote, once the Secret is resolved', () => {
    const secrets: Record<string, string> = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'shh' };
    const resolve = (e: EnvVar): [string, string] => [e.name, 'value' in e ? e.value : secrets[e.valueFrom.secretKeyRef.key]!];
    const config = remoteConfigFromEnv('source', Object.fromEntries(remoteEnvironment('source', ceph).map(resolve)));
    expect(config).toMatchObject({ provider: 'Ceph', endpoint: ceph.endpoint, region: 'us-east-1', accessKeyId: 'AKID', secretAccessKey: 'shh' });
  });
});

describe('serviceAccountAnnotations', () => {
  it('annotates the ServiceAccount with the IRSA role and nothing for keys or Pod Identity', () => {
    expect(serviceAccountAnnotations([ceph, aws])).toEqual({ [IRSA_ROLE_ANNOTATION]: ROLE });
    expect(serviceAccountAnnotations([ceph, { credentials: { kind: 'podIdentity' } }])).toEqual({});
  });

  it('asks for the ServiceAccount token only for a cloud identity', () => {
    expect(needsServiceAccountToken([ceph])).toBe(false);
    expect(needsServiceAccountToken([ceph, { credentials: { kind: 'podIdentity' } }])).toBe(true);
  });
});

describe('validateRemotes', () => {
  it('accepts a Ceph remote with a Secret and an AWS remote with IRSA', () => {
    expect(problemsOf({ source: ceph, destination: aws })).toEqual([]);
  });

  it('names the prop of a missing endpoint, a bad Secret name and a bad role ARN', () => {
    expect(
      problemsOf({
        source: { provider: 'Ceph', credentials: { kind: 'secret', secretName: 'Bad_Name' } },
        destination: { provider: 'AWS', credentials: { kind: 'irsa', roleArn: 'my-role' }, assumeRole: { roleArn: 'arn:aws:iam::1:role/x' } },
      }),
    ).toEqual([
      `- 'source.endpoint' is required unless provider is 'AWS' (provider is 'Ceph'), got undefined`,
      `- 'source.credentials.secretName' must be a Kubernetes Secret name, got "Bad_Name"`,
      `- 'destination.credentials.roleArn' must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "my-role"`,
      `- 'destination.assumeRole.roleArn' must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "arn:aws:iam::1:role/x"`,
    ]);
  });

  it('fails when two remotes need different IRSA roles on one ServiceAccount', () => {
    const other = 'arn:aws:iam::123456789012:role/other';
    const problems = problemsOf({ source: aws, destination: { ...aws, credentials: { kind: 'irsa', roleArn: other } } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^- 'source, destination' must use at most one IRSA role between them \(one ServiceAccount\); assume a second role with assumeRole instead, got \["arn:aws:iam::123456789012:role\/bucketbridge-sync",/);
  });
});
