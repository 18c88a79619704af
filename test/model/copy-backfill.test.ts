import { describe, expect, it } from 'vitest';
import { copyContainer } from '../../lib/model/copy-backfill';

describe('copyContainer', () => {
  it('runs bucketbridge copy with rclone-style remotes and Secret keys only by reference', () => {
    const container = copyContainer(
      { name: 'src', bucketName: 'media-af', prefix: '', spec: { provider: 'AWS', region: 'af-south-1', credentials: { kind: 'secret', secretName: 'af-creds' } } },
      { name: 'dst', bucketName: 'media-eu', prefix: '', spec: { provider: 'AWS', region: 'eu-west-1', credentials: { kind: 'secret', secretName: 'eu-creds' } } },
    );
    expect(container.args).toEqual(['copy', 'src:media-af', 'dst:media-eu']);
    expect(container.env).toEqual([
      { name: 'RCLONE_CONFIG_SRC_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_SRC_PROVIDER', value: 'AWS' },
      { name: 'RCLONE_CONFIG_SRC_REGION', value: 'af-south-1' },
      { name: 'RCLONE_CONFIG_SRC_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'af-creds', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'af-creds', key: 'AWS_SECRET_ACCESS_KEY' } } },
      { name: 'RCLONE_CONFIG_DST_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_DST_PROVIDER', value: 'AWS' },
      { name: 'RCLONE_CONFIG_DST_REGION', value: 'eu-west-1' },
      { name: 'RCLONE_CONFIG_DST_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'eu-creds', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'RCLONE_CONFIG_DST_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'eu-creds', key: 'AWS_SECRET_ACCESS_KEY' } } },
    ]);
  });

  it('lets the engine take credentials from the pod identity, with a role to assume on top, and mounts no keys', () => {
    const container = copyContainer(
      { name: 'src', bucketName: 'media-af', prefix: '', spec: { provider: 'AWS', region: 'af-south-1', credentials: { kind: 'irsa', roleArn: 'arn:aws:iam::111111111111:role/read' } } },
      {
        name: 'dst',
        bucketName: 'media-eu',
        prefix: '',
        spec: { provider: 'AWS', region: 'eu-west-1', credentials: { kind: 'podIdentity' }, assumeRole: { roleArn: 'arn:aws:iam::222222222222:role/write' } },
      },
    );
    expect(container.env).toEqual([
      { name: 'RCLONE_CONFIG_SRC_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_SRC_PROVIDER', value: 'AWS' },
      { name: 'RCLONE_CONFIG_SRC_REGION', value: 'af-south-1' },
      { name: 'RCLONE_CONFIG_SRC_ENV_AUTH', value: 'true' },
      { name: 'RCLONE_CONFIG_DST_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_DST_PROVIDER', value: 'AWS' },
      { name: 'RCLONE_CONFIG_DST_REGION', value: 'eu-west-1' },
      { name: 'RCLONE_CONFIG_DST_ENV_AUTH', value: 'true' },
      { name: 'RCLONE_CONFIG_DST_ROLE_ARN', value: 'arn:aws:iam::222222222222:role/write' },
    ]);
    expect(container.env.filter((e) => 'valueFrom' in e)).toEqual([]);
  });

  it('copies a rule prefix as a directory on both sides', () => {
    const spec = { provider: 'AWS', region: 'af-south-1', credentials: { kind: 'environment' as const } };
    const container = copyContainer(
      { name: 'src', bucketName: 'media-af', prefix: 'video/', spec },
      { name: 'dst', bucketName: 'media-eu', prefix: 'video/', spec },
    );
    expect(container.args).toEqual(['copy', 'src:media-af/video', 'dst:media-eu/video']);
  });
});
