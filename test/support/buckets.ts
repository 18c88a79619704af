import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Removes `bucket` with everything in it: its unfinished multipart uploads, its objects (a listing
 * page at a time, deleted in one DeleteObjects each), then the bucket. A bucket that is already
 * gone is no error. Used by the tests' cleanup and by the benchmark.
 */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
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
