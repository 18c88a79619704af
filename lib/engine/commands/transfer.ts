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
import { IntegrityError, SourceChangedError } from '../errors';
import type { LocalDirectory } from '../local/local-directory';
import type { TransferMethod } from '../observability/metrics';
import { runPool, type Semaphore } from '../pool';
import { contentMd5Of, type HeadResult, type ObjectHeaders, type S3Bucket } from '../s3/s3-bucket';
import type { EngineTuning } from '../tuning';
import { fileMd5, rangeMd5 } from './local-etag';
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
  /** Called when the source of `key` changed mid-copy and its copy starts again from the new version. */
  readonly onSourceChanged: (key: string, err: SourceChangedError) => void;
  /**
   * User metadata added to every copy (replicate's loop-guard marker); a server-side copy then
   * replaces the metadata (the source's own, plus these) instead of copying it. @default - none
   */
  readonly stamp?: Readonly<Record<string, string>>;
}

/** The source's headers with the copy's stamp added to its user metadata. */
function stamped(headers: ObjectHeaders, stamp: Readonly<Record<string, string>> | undefined): ObjectHeaders {
  return stamp === undefined ? headers : { ...headers, Metadata: { ...headers.Metadata, ...stamp } };
}

/**
 * Copies one object from `source` to `destination`, choosing how by the two sides' kinds. A bucket
 * source is pinned to the ETag it was listed with; when it changes mid-copy, the partial upload is
 * aborted and the object is copied again from the start, pinned to its new version, up to
 * `sourceChangeRestarts` times.
 */
export async function transfer(source: Side, destination: Side, entry: ObjectEntry, deps: TransferDeps, head?: HeadResult): Promise<TransferOutcome> {
  if (source.kind === 'local') return fromLocal(source.directory, destination, entry, deps);
  let pinned = entry;
  let known = head;
  for (let restarts = 0; ; restarts++) {
    try {
      if (destination.kind === 'local') return await download(source.bucket, destination.directory, pinned, deps);
      return deps.serverSide
        ? await serverCopy(source.bucket, destination.bucket, pinned, deps, known)
        : await streamCopy(source.bucket, destination.bucket, pinned, deps);
    } catch (err) {
      if (!(err instanceof SourceChangedError) || restarts >= deps.tuning.sourceChangeRestarts) throw err;
      deps.onSourceChanged(entry.key, err);
      const now = await source.bucket.head(entry.key);
      pinned = { key: entry.key, size: now.size, etag: now.etag, modified: now.modified };
      known = now;
    }
  }
}

async function fromLocal(dir: LocalDirectory, destination: Side, entry: ObjectEntry, deps: TransferDeps): Promise<TransferOutcome> {
  if (destination.kind === 'local') {
    await deps.slots.use(() => destination.directory.write(entry.key, dir.read(entry.key), entry.modified));
    return { method: 'local', bytes: entry.size };
  }
  const bucket = destination.bucket;
  const open = (range?: PartRange): Readable => dir.read(entry.key, range);
  if (entry.size <= deps.tuning.multipartThresholdBytes) {
    // Hashed first, so the PUT carries Content-MD5 and the gateway checks the bytes it receives.
    const md5 = await fileMd5(dir, entry.key);
    await deps.slots.use(() => deps.ctx.retry('PutObject', () => bucket.put(entry.key, open(), entry.size, {}, '', md5)));
    return { method: 'put', bytes: entry.size };
  }
  const partSize = choosePartSize(entry.size, deps.tuning.partSizeBytes);
  await multipart(bucket, entry.key, entry.size, partSize, {}, '', deps, 'UploadPart', async (range, uploadId) => {
    const md5 = await rangeMd5(dir, entry.key, range);
    return bucket.uploadPart(entry.key, uploadId, range.partNumber, open(range), range.end - range.start + 1, md5);
  });
  return { method: 'multipart', bytes: entry.size };
}

/** A bucket object to a local file, pinned to its ETag and checked against it when that is an MD5. */
async function download(source: S3Bucket, dir: LocalDirectory, entry: ObjectEntry, deps: TransferDeps): Promise<TransferOutcome> {
  const md5 = contentMd5Of(entry.etag) === undefined ? undefined : entry.etag;
  await deps.slots.use(() =>
    deps.ctx.retry('GetObject', async () => {
      const { body, head } = await source.get(entry.key, entry.etag);
      await dir.write(entry.key, body, head.modified, md5);
    }),
  );
  return { method: 'download', bytes: entry.size };
}

interface Layout {
  /** `undefined`: one request for the whole object. */
  readonly partSize: number | undefined;
  /** The part size was read from the source (HeadObject PartNumber=1), not guessed. */
  readonly reproduced: boolean;
  readonly head: HeadResult;
}

/**
 * The part size that gives the copy the source's ETag: a single part for a plain-MD5 source that
 * fits one request, else the source's own layout (from HeadObject PartNumber=1, or a guess where
 * the server ignores PartNumber), else a layout of the engine's own.
 */
async function layoutOf(source: S3Bucket, entry: ObjectEntry, tuning: EngineTuning): Promise<Layout> {
  const parts = etagPartCount(entry.etag ?? '');
  if (parts === undefined) {
    const head = await source.head(entry.key);
    return { partSize: head.size <= tuning.maxSinglePartBytes ? undefined : choosePartSize(head.size, tuning.partSizeBytes), reproduced: false, head };
  }
  const head = await source.head(entry.key, 1);
  const whole = { ...head, size: entry.size };
  const read = reproduciblePartSize(entry.size, parts, head.size);
  if (read !== undefined) return { partSize: read, reproduced: true, head: whole };
  return { partSize: guessPartSize(entry.size, parts) ?? choosePartSize(entry.size, tuning.partSizeBytes), reproduced: false, head: whole };
}

/**
 * Server-side copy: CopyObject for a plain-MD5 source that fits one request (its copy keeps that
 * ETag), else UploadPartCopy in the source's layout, so that a multipart source's copy has the
 * source's ETag and `--checksum` settles after it.
 */
async function serverCopy(source: S3Bucket, destination: S3Bucket, entry: ObjectEntry, deps: TransferDeps, known: HeadResult | undefined): Promise<TransferOutcome> {
  const plain = etagPartCount(entry.etag ?? '') === undefined;
  if (plain && entry.size <= deps.tuning.maxSinglePartBytes) {
    // A stamp replaces the metadata, so the source's headers are needed: those of the version the copy is pinned to.
    let replace: { headers: ObjectHeaders; tagging: string } | undefined;
    if (deps.stamp !== undefined) {
      const head = known !== undefined && known.etag === entry.etag ? known : await source.head(entry.key);
      if (head.etag !== entry.etag) throw new SourceChangedError(`source '${entry.key}' changed from ETag ${entry.etag} to ${head.etag} before its copy`);
      const tagging = head.tagCount > 0 ? await deps.ctx.retry('GetObjectTagging', () => source.tagging(entry.key)) : '';
      replace = { headers: stamped(head.headers, deps.stamp), tagging };
    }
    const etag = await deps.slots.use(() => destination.copyFrom(source, entry.key, entry.key, entry.etag, replace));
    // The condition held, so the copy is of the pinned version; an MD5 ETag must then be the same.
    if (contentMd5Of(entry.etag) !== undefined && etag !== entry.etag) {
      throw new SourceChangedError(`copy of '${entry.key}' has ETag ${etag}, its source was listed as ${entry.etag}`);
    }
    return { method: 'server-copy', bytes: entry.size };
  }
  const layout = await layoutOf(source, entry, deps.tuning);
  const tagging = layout.head.tagCount > 0 ? await deps.ctx.retry('GetObjectTagging', () => source.tagging(entry.key)) : '';
  await multipart(
    destination,
    entry.key,
    layout.head.size,
    layout.partSize ?? layout.head.size,
    stamped(layout.head.headers, deps.stamp),
    tagging,
    deps,
    'UploadPartCopy',
    (range, uploadId) => destination.uploadPartCopy(entry.key, uploadId, range.partNumber, source, entry.key, range, entry.etag),
    (etag) => checkLayout(source, entry, etag, layout.reproduced, deps),
  );
  return { method: 'multipart-server-copy', bytes: entry.size };
}

/**
 * Streamed copy. A plain-MD5 source that fits one request goes in one GET and one PUT whose
 * Content-MD5 is the source's ETag, so the gateway refuses any byte changed on the way; a larger
 * or multipart one in the source's layout, each part a GET of its range pinned with If-Match.
 */
async function streamCopy(source: S3Bucket, destination: S3Bucket, entry: ObjectEntry, deps: TransferDeps): Promise<TransferOutcome> {
  const single = etagPartCount(entry.etag ?? '') === undefined && entry.size <= deps.tuning.maxSinglePartBytes;
  if (single) {
    const md5 = contentMd5Of(entry.etag) === undefined ? undefined : entry.etag;
    await deps.slots.use(() =>
      deps.ctx.retry('PutObject', async () => {
        const { body, head } = await source.get(entry.key, entry.etag);
        try {
          const tagging = head.tagCount > 0 ? await source.tagging(entry.key) : '';
          await destination.put(entry.key, body, head.size, stamped(head.headers, deps.stamp), tagging, md5);
        } finally {
          body.destroy();
        }
      }),
    );
    return { method: 'put', bytes: entry.size };
  }
  const layout = await layoutOf(source, entry, deps.tuning);
  const tagging = layout.head.tagCount > 0 ? await deps.ctx.retry('GetObjectTagging', () => source.tagging(entry.key)) : '';
  await multipart(
    destination,
    entry.key,
    layout.head.size,
    layout.partSize ?? layout.head.size,
    stamped(layout.head.headers, deps.stamp),
    tagging,
    deps,
    'UploadPart',
    async (range, uploadId) => {
      const { body } = await source.get(entry.key, entry.etag, range);
      try {
        return await destination.uploadPart(entry.key, uploadId, range.partNumber, body, range.end - range.start + 1);
      } finally {
        body.destroy();
      }
    },
    (etag) => checkLayout(source, entry, etag, layout.reproduced, deps),
  );
  return { method: 'multipart', bytes: entry.size };
}

/**
 * Before completing a copy of a multipart source: the parts' ETags must give the source's ETag.
 * When they do not, the source is asked again: a changed ETag means it changed mid-copy
 * (`SourceChangedError`; RGW pacific ignores the source condition on part copies, so this is what
 * pins them there). An unchanged source with a layout read from the source is an `IntegrityError`;
 * with a guessed layout, the guess was wrong and the copy is kept with a warning.
 */
async function checkLayout(source: S3Bucket, entry: ObjectEntry, etag: string, reproduced: boolean, deps: TransferDeps): Promise<void> {
  if (entry.etag === undefined || etagPartCount(entry.etag) === undefined || etag === entry.etag) return;
  const now = await source.head(entry.key);
  if (now.etag !== entry.etag) throw new SourceChangedError(`source '${entry.key}' changed from ETag ${entry.etag} to ${now.etag} during the copy`);
  if (reproduced) {
    throw new IntegrityError(`copy of '${entry.key}' in its source's part layout has ETag ${etag}, the source's is ${entry.etag}`);
  }
  deps.ctx.logger.warn(
    { key: entry.key, sourceEtag: entry.etag, destinationEtag: etag },
    'copy has a different multipart layout than its source; modification times will decide whether it changed',
  );
}

/**
 * A multipart upload of `size` bytes in parts of `partSize`, parts in parallel (each holding a
 * slot), each part retried on its own (counted as `operation`, its body opened again). `verify`
 * sees the upload's ETag (computed from the parts: RGW answers an empty one on completion) before
 * it is completed. Any failure aborts the upload, so no orphan parts remain and nothing partial
 * becomes visible. Tags are set after completion because RGW pacific ignores them on
 * CreateMultipartUpload.
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
  verify: (etag: string) => Promise<void> = async () => undefined,
): Promise<void> {
  const uploadId = await destination.createUpload(key, headers);
  const etags: string[] = [];
  try {
    await runPool(iterate(partRanges(size, partSize)), deps.partConcurrency, async (range) => {
      etags[range.partNumber - 1] = await deps.slots.use(() => deps.ctx.retry(operation, () => sendPart(range, uploadId)));
    });
    if (deps.ctx.signal.aborted) throw deps.ctx.signal.reason;
    await verify(multipartEtag(etags));
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
}

async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
