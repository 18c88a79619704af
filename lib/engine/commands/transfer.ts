import type { Readable } from 'node:stream';
import {
  choosePartSize,
  etagPartCount,
  guessPartSize,
  multipartEtag,
  partRanges,
  reproduciblePartSize,
  type ObjectEntry,
  type PartRange,
} from '../../model';
import type { EngineContext } from '../context';
import type { TransferMethod } from '../observability/metrics';
import { runPool, type Semaphore } from '../pool';
import type { HeadResult, ObjectHeaders, S3Bucket } from '../s3/s3-bucket';
import type { EngineTuning } from '../tuning';
import type { Side } from './side';

export interface TransferOutcome {
  readonly method: TransferMethod;
  readonly bytes: number;
}

export interface TransferDeps {
  readonly ctx: EngineContext;
  readonly tuning: EngineTuning;
  /** Bounds the requests that move bodies, across all objects and parts. */
  readonly slots: Semaphore;
  /** Source and destination share endpoint and credentials: copy server-side. */
  readonly serverSide: boolean;
  /** Parts of one object in flight at once (each also takes a slot). */
  readonly partConcurrency: number;
}

/** Copies one object from `source` to `destination`, choosing how by the two sides' kinds. */
export async function transfer(source: Side, destination: Side, entry: ObjectEntry, deps: TransferDeps): Promise<TransferOutcome> {
  if (source.kind === 's3' && destination.kind === 's3') {
    return deps.serverSide
      ? serverCopy(source.bucket, destination.bucket, entry, deps)
      : streamCopy(source.bucket, destination.bucket, entry, deps);
  }
  if (source.kind === 'local' && destination.kind === 's3') {
    const dir = source.directory;
    const open = (range?: PartRange): Readable => dir.read(entry.key, range);
    if (entry.size <= deps.tuning.multipartThresholdBytes) {
      await deps.slots.use(() => deps.ctx.retry('PutObject', () => destination.bucket.put(entry.key, open(), entry.size, {}, '')));
      return { method: 'put', bytes: entry.size };
    }
    const partSize = choosePartSize(entry.size, deps.tuning.partSizeBytes);
    await multipart(destination.bucket, entry.key, entry.size, partSize, {}, '', deps, 'UploadPart', (range, uploadId) =>
      destination.bucket.uploadPart(entry.key, uploadId, range.partNumber, open(range), range.end - range.start + 1),
    );
    return { method: 'multipart', bytes: entry.size };
  }
  if (source.kind === 's3' && destination.kind === 'local') {
    await deps.slots.use(() =>
      deps.ctx.retry('GetObject', async () => {
        const { body, head } = await source.bucket.get(entry.key);
        await destination.directory.write(entry.key, body, head.modified);
      }),
    );
    return { method: 'download', bytes: entry.size };
  }
  if (source.kind === 'local' && destination.kind === 'local') {
    await deps.slots.use(() => destination.directory.write(entry.key, source.directory.read(entry.key), entry.modified));
    return { method: 'local', bytes: entry.size };
  }
  throw new Error('unreachable: unknown side kinds');
}

/**
 * The part size that gives the copy the source's ETag: a single part for a plain-MD5 source that
 * fits one request, else the source's own layout (from HeadObject PartNumber=1, or a guess where
 * the server ignores PartNumber), else a layout of the engine's own.
 */
async function layoutOf(source: S3Bucket, entry: ObjectEntry, tuning: EngineTuning): Promise<{ partSize: number | undefined; head: HeadResult }> {
  const parts = etagPartCount(entry.etag ?? '');
  if (parts === undefined) {
    const head = await source.head(entry.key);
    return { partSize: head.size <= tuning.maxSinglePartBytes ? undefined : choosePartSize(head.size, tuning.partSizeBytes), head };
  }
  const head = await source.head(entry.key, 1);
  const firstPart = head.size;
  const whole = { ...head, size: entry.size };
  const partSize =
    reproduciblePartSize(entry.size, parts, firstPart) ?? guessPartSize(entry.size, parts) ?? choosePartSize(entry.size, tuning.partSizeBytes);
  return { partSize, head: whole };
}

async function serverCopy(source: S3Bucket, destination: S3Bucket, entry: ObjectEntry, deps: TransferDeps): Promise<TransferOutcome> {
  if (entry.size <= deps.tuning.maxSinglePartBytes) {
    await deps.slots.use(() => destination.copyFrom(source, entry.key, entry.key));
    return { method: 'server-copy', bytes: entry.size };
  }
  const { partSize, head } = await layoutOf(source, entry, deps.tuning);
  const tagging = head.tagCount > 0 ? await deps.ctx.retry('GetObjectTagging', () => source.tagging(entry.key)) : '';
  const etag = await multipart(destination, entry.key, head.size, partSize ?? head.size, head.headers, tagging, deps, 'UploadPartCopy', (range, uploadId) =>
    destination.uploadPartCopy(entry.key, uploadId, range.partNumber, source, entry.key, range),
  );
  warnIfLayoutDiffers(entry, etag, deps);
  return { method: 'multipart-server-copy', bytes: entry.size };
}

async function streamCopy(source: S3Bucket, destination: S3Bucket, entry: ObjectEntry, deps: TransferDeps): Promise<TransferOutcome> {
  const single = etagPartCount(entry.etag ?? '') === undefined && entry.size <= deps.tuning.maxSinglePartBytes;
  if (single) {
    await deps.slots.use(() =>
      deps.ctx.retry('PutObject', async () => {
        const { body, head } = await source.get(entry.key);
        try {
          const tagging = head.tagCount > 0 ? await source.tagging(entry.key) : '';
          await destination.put(entry.key, body, head.size, head.headers, tagging);
        } finally {
          body.destroy();
        }
      }),
    );
    return { method: 'put', bytes: entry.size };
  }
  const { partSize, head } = await layoutOf(source, entry, deps.tuning);
  const tagging = head.tagCount > 0 ? await deps.ctx.retry('GetObjectTagging', () => source.tagging(entry.key)) : '';
  const etag = await multipart(destination, entry.key, head.size, partSize ?? head.size, head.headers, tagging, deps, 'UploadPart', async (range, uploadId) => {
    const { body } = await source.get(entry.key, range);
    try {
      return await destination.uploadPart(entry.key, uploadId, range.partNumber, body, range.end - range.start + 1);
    } finally {
      body.destroy();
    }
  });
  warnIfLayoutDiffers(entry, etag, deps);
  return { method: 'multipart', bytes: entry.size };
}

/**
 * A multipart upload of `size` bytes in parts of `partSize`, parts in parallel (each holding a
 * slot), each part retried on its own (counted as `operation`, its body opened again). Any failure
 * aborts the upload, so no orphan parts remain and nothing partial becomes visible. Tags are set
 * after completion because RGW pacific ignores them on CreateMultipartUpload. Returns the multipart
 * ETag computed from the parts (RGW answers an empty one on completion).
 */
async function multipart(
  destination: S3Bucket,
  key: string,
  size: number,
  partSize: number,
  headers: ObjectHeaders,
  tagging: string,
  deps: TransferDeps,
  operation: 'UploadPart' | 'UploadPartCopy',
  sendPart: (range: PartRange, uploadId: string) => Promise<string>,
): Promise<string> {
  const uploadId = await destination.createUpload(key, headers);
  const etags: string[] = [];
  try {
    await runPool(iterate(partRanges(size, partSize)), deps.partConcurrency, async (range) => {
      etags[range.partNumber - 1] = await deps.slots.use(() => deps.ctx.retry(operation, () => sendPart(range, uploadId)));
    });
    if (deps.ctx.signal.aborted) throw deps.ctx.signal.reason;
    await destination.completeUpload(key, uploadId, etags);
  } catch (err) {
    try {
      await destination.abortUpload(key, uploadId);
    } catch (abortErr) {
      deps.ctx.logger.error({ key, uploadId, err: abortErr }, 'could not abort multipart upload');
    }
    throw err;
  }
  if (tagging !== '') await destination.putTagging(key, tagging);
  return multipartEtag(etags);
}

function warnIfLayoutDiffers(entry: ObjectEntry, etag: string, deps: TransferDeps): void {
  if (entry.etag !== undefined && etagPartCount(entry.etag) !== undefined && etag !== entry.etag) {
    deps.ctx.logger.warn(
      { key: entry.key, sourceEtag: entry.etag, destinationEtag: etag },
      'copy has a different multipart layout than its source; modification times will decide whether it changed',
    );
  }
}

async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
