import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Removes `bucket` with everything in it: its notifications, its unfinished multipart uploads, its
 * objects (a listing page at a time, deleted in one DeleteObjects each), then the bucket. A bucket
 * that is already gone is no error. Used by the tests' cleanup and by the benchmark.
 */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await removeNotifications(client, bucket);
    for (;;) {
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      for (const u of uploads.Uploads ?? []) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
      }
      if (uploads.IsTruncated !== true) break;
    }
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const objects = (page.Contents ?? []).map((c) => ({ Key: c.Key ?? '' }));
      if (objects.length === 0) break;
      const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      const failed = out.Errors ?? [];
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} objects from ${bucket}: ${failed[0]?.Code} ${failed[0]?.Key}`);
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchBucket') return;
    throw err;
  }
}

/**
 * Deletes the bucket's notification configuration when it has one: a DeleteObjects on a bucket
 * with a non-persistent notification aborts radosgw 16.2.15, so no cleanup may send one first.
 * S3 has no call for this and RGW refuses an empty PutBucketNotificationConfiguration, so this
 * is RGW's own `DELETE /<bucket>?notification` (all of the bucket's notifications): a DeleteBucket
 * request given the `notification` query before it is signed.
 */
export async function removeNotifications(client: S3Client, bucket: string): Promise<void> {
  const config = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const count = (config.TopicConfigurations?.length ?? 0) + (config.QueueConfigurations?.length ?? 0) + (config.LambdaFunctionConfigurations?.length ?? 0);
  if (count === 0) return;
  const command = new DeleteBucketCommand({ Bucket: bucket });
  command.middlewareStack.add(
    (next) => (args) => {
      (args.request as { query: Record<string, string> }).query.notification = '';
      return next(args);
    },
    { step: 'build', name: 'rgwDeleteBucketNotification' },
  );
  await client.send(command);
}
