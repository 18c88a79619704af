import { describe, expect, it } from 'vitest';
import { copyContainer } from '../../lib/model/copy-backfill';

describe('copyContainer', () => {
  it('runs bucketbridge copy with rclone-style remotes and credentials only by Secret reference', () => {
    const creds = (name: string) => ({
      accessKeyId: { name, key: 'AWS_ACCESS_KEY_ID' },
      secretAccessKey: { name, key: 'AWS_SECRET_ACCESS_KEY' },
    });
    const container = copyContainer(
      { name: 'src', bucketName: 'media-af', prefix: '', region: 'af-south-1', ...creds('af-creds') },
      { name: 'dst', bucketName: 'media-eu', prefix: '', region: 'eu-west-1', ...creds('eu-creds') },
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

  it('copies a rule prefix as a directory on both sides', () => {
    const creds = { accessKeyId: { name: 's', key: 'id' }, secretAccessKey: { name: 's', key: 'secret' } };
    const container = copyContainer(
      { name: 'src', bucketName: 'media-af', prefix: 'video/', region: 'af-south-1', ...creds },
      { name: 'dst', bucketName: 'media-eu', prefix: 'video/', region: 'eu-west-1', ...creds },
    );
    expect(container.args).toEqual(['copy', 'src:media-af/video', 'dst:media-eu/video']);
  });
});
