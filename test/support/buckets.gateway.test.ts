import {
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, deleteTopic, uniqueName } from '../engine/commands/replicate-fixtures';
import { removeBucket, removeNotifications } from './buckets';
import { createBucket, gateway, s3 } from './gateway';

/** A port nothing listens on: the topic's non-persistent pushes fail at once. */
const DEAD_PORT = 9;

async function notify(client: S3Client, bucket: string, topicArn: string): Promise<void> {
  await client.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { TopicConfigurations: [{ Id: 'cleanup', TopicArn: topicArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
    }),
  );
}

describe('removeBucket', () => {
  const client = s3();
  afterAll(() => client.destroy());

  it('removes a bucket with a non-persistent notification and objects, its notification first, and the gateway keeps running', async () => {
    const gw = gateway();
    const bucket = await createBucket('cleanup-notified');
    const arn = await createTopic(gw, uniqueName('cleanup'), { 'push-endpoint': `http://127.0.0.1:${DEAD_PORT}/`, persistent: 'false' });
    try {
      await notify(client, bucket, arn);
      expect((await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).TopicConfigurations).toHaveLength(1);
      // The removal itself, checked before any DeleteObjects is sent to a notified bucket.
      await removeNotifications(client, bucket);
      expect((await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).TopicConfigurations ?? []).toEqual([]);

      await notify(client, bucket, arn);
      for (const key of ['a.txt', 'dir/b c.txt', 'x+y.txt']) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      await removeBucket(client, bucket);

      await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      const buckets = await client.send(new ListBucketsCommand({}));
      expect(buckets.Buckets?.some((b) => b.Name === bucket)).toBe(false);
    } finally {
      await deleteTopic(gw, arn);
    }
  });

  it('leaves a bucket without notifications alone until it deletes it, and a missing bucket is no error', async () => {
    const bucket = await createBucket('cleanup-plain');
    await removeNotifications(client, bucket);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    await removeBucket(client, bucket);
    await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await expect(removeBucket(client, bucket)).resolves.toBeUndefined();
  });
});
