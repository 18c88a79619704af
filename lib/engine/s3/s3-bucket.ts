import { pipeline, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { headerSafeValue, unquoteEtag, type ObjectEntry, type RemoteConfig, type RemoteLocation } from '../../model';
import type { EngineContext } from '../context';
import { ConfigurationError, IntegrityError, ListingError, SourceChangedError, describeError, isTransientOnceReached } from '../errors';
import { Md5Meter } from '../md5-meter';
import type { EngineTuning } from '../tuning';
import { CredentialsError } from './credentials';

/** The headers and metadata the engine preserves on copy. */
export interface ObjectHeaders {
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  Expires?: Date;
  Metadata?: Record<string, string>;
}

export interface HeadResult {
  readonly size: number;
  readonly etag: string;
  readonly modified: Date;
  readonly headers: ObjectHeaders;
  readonly tagCount: number;
}

/** Byte range of a ranged GET or a part copy, both ends inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** How long requests that must not be cut short by the run's abort (creating and aborting uploads) may take. */
const CLEANUP_TIMEOUT_MS = 30_000;

/** A plain S3 ETag: the body's MD5, usable as Content-MD5. */
const MD5_ETAG = /^[0-9a-f]{32}$/;

/** The MD5 an ETag stands for, base64 as Content-MD5 wants it, or `undefined` if it is no plain MD5. */
export function contentMd5Of(etag: string | undefined): string | undefined {
  return etag !== undefined && MD5_ETAG.test(etag) ? Buffer.from(etag, 'hex').toString('base64') : undefined;
}

/**
 * One bucket (under a prefix) on one remote. Keys passed in and out are relative to the prefix.
 * Every request carries the run's AbortSignal and the header deadline, and goes through the run's
 * retry policy once: here, or, for a request whose body a caller streams (GET, PUT, parts, tags
 * read during a streamed copy), in the caller, which retries it together with that body.
 *
 * Integrity: reads of a source being copied are pinned to the listed ETag (`If-Match`,
 * `x-amz-copy-source-if-match`), and a 412 becomes `SourceChangedError`; uploads carry
 * Content-MD5 where the MD5 is known beforehand, and every upload's ETag is compared with the MD5
 * of the bytes sent (`IntegrityError` on a mismatch).
 */
export class S3Bucket {
  /** The page `probe()` fetched, until `list()` takes it. */
  private firstPage: ListObjectsV2CommandOutput | undefined;

  constructor(
    private readonly client: S3Client,
    readonly config: RemoteConfig,
    readonly location: RemoteLocation,
    private readonly ctx: EngineContext,
    private readonly tuning: Pick<EngineTuning, 'headerTimeoutMs' | 'listPageKeys'>,
  ) {}

  get bucket(): string {
    return this.location.bucket;
  }

  fullKey(key: string): string {
    return this.location.prefix + key;
  }

  /**
   * A request's options: the run's signal (or `signal`), and for a `bodyless` one the header deadline: the
   * SDK's request timer runs until the answer's headers arrive, which for an upload includes
   * sending the body, so uploads are bounded by the idle timeout instead.
   */
  private options(bodyless: boolean, signal: AbortSignal = this.ctx.signal): { abortSignal: AbortSignal; requestTimeout?: number } {
    return { abortSignal: signal, requestTimeout: bodyless ? this.tuning.headerTimeoutMs : undefined };
  }

  /**
   * Fetches the listing's first page, so that a run fails with a one-line ConfigurationError when
   * the endpoint is unreachable (at once, without retries), the credentials are refused or the
   * bucket does not exist; 5xx answers, throttling, resets and timeouts are retried as for any
   * request. `list()` starts from that page: the check costs no extra request.
   */
  async probe(): Promise<void> {
    try {
      this.firstPage = await this.ctx.retry('ListObjectsV2', () => this.requestPage(undefined), isTransientOnceReached);
    } catch (err) {
      throw new ConfigurationError(this.explain(err));
    }
  }

  private explain(err: unknown): string {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    const where = `remote '${this.config.name}' (${this.config.endpoint ?? `AWS ${this.config.region}`})`;
    const status = e.$metadata?.httpStatusCode;
    if (err instanceof CredentialsError) return err.message;
    if (e.name === 'NoSuchBucket' || status === 404) return `bucket '${this.bucket}' does not exist on ${where}`;
    if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(e.name ?? '')) {
      return `access denied to bucket '${this.bucket}' on ${where}: ${e.name}`;
    }
    if (status === undefined) return `cannot reach ${where}: ${describeError(err)}`;
    return `cannot list bucket '${this.bucket}' on ${where}: ${describeError(err)}`;
  }

  /**
   * The listing in the server's (UTF-8 byte) key order, a page at a time, keys relative to the
   * prefix; an object named like the prefix itself (a marker for the location) is left out. The
   * next page is requested as soon as a page arrives, so the gateway works on it while this process
   * merges; at most two pages are held. A page that says it is truncated but gives no continuation
   * token is a `ListingError`: the listing cannot be known complete, so the run must stop before
   * it deletes anything on the strength of it.
   */
  async *list(): AsyncGenerator<ObjectEntry[]> {
    const first = this.firstPage;
    this.firstPage = undefined;
    let next: Promise<ListObjectsV2CommandOutput> | undefined = first === undefined ? this.fetchPage(undefined) : Promise.resolve(first);
    while (next !== undefined) {
      const page: ListObjectsV2CommandOutput = await next;
      const token = this.continuation(page);
      next = token === undefined ? undefined : this.fetchPage(token);
      yield this.entries(page);
    }
  }

  private fetchPage(token: string | undefined): Promise<ListObjectsV2CommandOutput> {
    const page = this.ctx.retry('ListObjectsV2', () => this.requestPage(token));
    // A page fetched ahead and never read must not become an unhandled rejection.
    page.catch(() => undefined);
    return page;
  }

  private continuation(page: ListObjectsV2CommandOutput): string | undefined {
    if (page.IsTruncated !== true) return undefined;
    if (page.NextContinuationToken === undefined || page.NextContinuationToken === '') {
      throw new ListingError(`listing of bucket '${this.bucket}' on remote '${this.config.name}' is truncated but has no continuation token`);
    }
    return page.NextContinuationToken;
  }

  /** Keys are asked URL-encoded, so that any character (control characters included) survives the XML. */
  private requestPage(token: string | undefined): Promise<ListObjectsV2CommandOutput> {
    return this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.location.prefix,
        ContinuationToken: token,
        EncodingType: 'url',
        MaxKeys: this.tuning.listPageKeys,
      }),
      this.options(true),
    );
  }

  private entries(page: ListObjectsV2CommandOutput): ObjectEntry[] {
    const decode = page.EncodingType === 'url' ? (key: string) => decodeURIComponent(key.replace(/\+/g, '%20')) : (key: string) => key;
    const prefix = this.location.prefix;
    const out: ObjectEntry[] = [];
    for (const item of page.Contents ?? []) {
      const key = decode(item.Key ?? '');
      if (key === prefix) continue;
      out.push({ key: key.slice(prefix.length), size: item.Size ?? 0, etag: unquoteEtag(item.ETag ?? ''), modified: item.LastModified ?? new Date(0) });
    }
    return out;
  }

  /**
   * HeadObject; with `partNumber` the size is that part's where the server supports it (RGW
   * pacific ignores it and answers the whole object's).
   */
  async head(key: string, partNumber?: number): Promise<HeadResult> {
    const out = await this.ctx.retry('HeadObject', () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), PartNumber: partNumber }), this.options(true)),
    );
    return headOf(out);
  }

  /**
   * A streamed GET pinned to `ifMatch` (of a byte range when given); the caller must consume or
   * destroy the body. A changed source answers 412: `SourceChangedError`. Not retried here: the
   * caller retries the GET together with what consumes its body.
   */
  async get(key: string, ifMatch: string | undefined, range?: ByteRange): Promise<{ body: Readable; head: HeadResult }> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          IfMatch: ifMatch === undefined ? undefined : `"${ifMatch}"`,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`,
        }),
        this.options(true),
      );
      const head = headOf(out);
      return { body: out.Body as Readable, head: range === undefined ? head : { ...head, size: range.end - range.start + 1 } };
    } catch (err) {
      throw this.pinned(err, key, ifMatch);
    }
  }

  /** A 412 on a request pinned to an ETag means the source changed since it was listed. */
  private pinned(err: unknown, key: string, etag: string | undefined): unknown {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (etag !== undefined && (status === 412 || (err as { name?: string }).name === 'PreconditionFailed')) {
      return new SourceChangedError(`source '${key}' is no longer ETag ${etag}`, { cause: err });
    }
    return err;
  }

  /**
   * The object's tags as a URL-encoded query string, as PutObject's `Tagging` takes them. Not
   * retried here: a streamed copy reads them within its GET+PUT attempt, which it retries whole.
   */
  async tagging(key: string): Promise<string> {
    const out = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), this.options(true));
    return (out.TagSet ?? []).map((tag) => `${encodeURIComponent(tag.Key ?? '')}=${encodeURIComponent(tag.Value ?? '')}`).join('&');
  }

  /** Sets the tags given as a URL-encoded query string (the SDK adds the checksum S3 requires). */
  async putTagging(key: string, tagging: string): Promise<void> {
    const TagSet = [...new URLSearchParams(tagging)].map(([Key, Value]) => ({ Key, Value }));
    await this.ctx.retry('PutObjectTagging', () =>
      this.client.send(new PutObjectTaggingCommand({ Bucket: this.bucket, Key: this.fullKey(key), Tagging: { TagSet } }), this.options(false)),
    );
  }

  /**
   * One streamed PUT of `size` bytes. `md5` (hex), when known, goes out as Content-MD5 so the
   * gateway refuses a body that changed on the way (BadDigest); in any case the answer's ETag must
   * be the MD5 of the bytes sent. Not retried here: the body is consumed by the attempt, so the
   * caller retries by opening the body again. The body is destroyed if the request fails.
   */
  async put(key: string, body: Readable, size: number, headers: ObjectHeaders, tagging: string, md5?: string): Promise<string> {
    if (size === 0) {
      body.destroy();
      const out = await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Body: Buffer.alloc(0), ContentLength: 0, ContentMD5: contentMd5Of(EMPTY_MD5), Tagging: tagging === '' ? undefined : tagging, ...headerSafe(headers) }),
        this.options(false),
      );
      return verified(key, out.ETag, EMPTY_MD5, md5);
    }
    return this.upload(key, body, md5, (stream, options) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: stream,
          ContentLength: size,
          ContentMD5: contentMd5Of(md5),
          Tagging: tagging === '' ? undefined : tagging,
          ...headerSafe(headers),
        }),
        options,
      ),
    );
  }

  /**
   * Sends `body` through an MD5 meter with `send`, then checks the answer (`verified`). A body
   * that fails (its source reset or timed out) aborts the request at once, and the body's error is
   * the one thrown, so the caller's retry policy judges it: the SDK writes bodies with `pipe`,
   * which would otherwise leave the request waiting for bytes that never come.
   */
  private async upload(
    what: string,
    body: Readable,
    md5: string | undefined,
    send: (stream: Readable, options: { abortSignal: AbortSignal }) => Promise<{ ETag?: string }>,
  ): Promise<string> {
    const meter = new Md5Meter();
    const failed = new AbortController();
    pipeline(body, meter, (err) => {
      if (err !== undefined && err !== null) failed.abort(err);
    });
    try {
      const out = await send(meter, { ...this.options(false), abortSignal: AbortSignal.any([this.ctx.signal, failed.signal]) });
      return verified(what, out.ETag, meter.md5(), md5);
    } catch (err) {
      body.destroy();
      meter.destroy();
      throw failed.signal.aborted && !this.ctx.signal.aborted ? failed.signal.reason : err;
    }
  }

  /**
   * Server-side copy of a whole object (up to 5 GiB) with its headers, metadata and tags, pinned to
   * the source's ETag. With `replace`, the copy gets those headers, metadata and tags (a URL-encoded
   * query string) instead of the source's. RGW pacific drops the tags of a copy whose metadata is
   * replaced, whatever the `TaggingDirective` says, so they are also set afterwards (measured on
   * 16.2.15). Returns the copy's ETag.
   */
  async copyFrom(source: S3Bucket, sourceKey: string, key: string, ifMatch: string | undefined, replace?: { headers: ObjectHeaders; tagging: string }): Promise<string> {
    return this.ctx.retry('CopyObject', async () => {
      try {
        const out = await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: this.fullKey(key),
            CopySource: copySource(source, sourceKey),
            CopySourceIfMatch: ifMatch === undefined ? undefined : `"${ifMatch}"`,
            MetadataDirective: replace === undefined ? 'COPY' : 'REPLACE',
            TaggingDirective: replace === undefined ? 'COPY' : 'REPLACE',
            Tagging: replace === undefined || replace.tagging === '' ? undefined : replace.tagging,
            ...(replace === undefined ? {} : headerSafe(replace.headers)),
          }),
          this.options(true),
        );
        return unquoteEtag(out.CopyObjectResult?.ETag ?? '');
      } catch (err) {
        throw source.pinned(err, sourceKey, ifMatch);
      }
    }).then(async (etag) => {
      if (replace !== undefined && replace.tagging !== '') await this.putTagging(key, replace.tagging);
      return etag;
    });
  }

  /**
   * Starts a multipart upload. Not cut short by the run's signal: an upload created on the server
   * whose answer never arrived could not be aborted, and would be left behind.
   */
  async createUpload(key: string, headers: ObjectHeaders): Promise<string> {
    const out = await this.ctx.retry('CreateMultipartUpload', () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.fullKey(key), ...headerSafe(headers) }), this.options(true, AbortSignal.timeout(CLEANUP_TIMEOUT_MS))),
    );
    if (out.UploadId === undefined || out.UploadId === '') throw new Error('CreateMultipartUpload answered without an UploadId');
    return out.UploadId;
  }

  /**
   * One streamed part, checked as `put` is; the caller retries by opening the part's body again.
   * The body is destroyed if the request fails.
   */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number, md5?: string): Promise<string> {
    return this.upload(`${key} part ${partNumber}`, body, md5, (stream, options) =>
      this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: stream,
          ContentLength: size,
          ContentMD5: contentMd5Of(md5),
        }),
        options,
      ),
    );
  }

  /**
   * One part copied server-side from a byte range of `source`, pinned to its ETag (RGW pacific
   * ignores the condition on part copies, so callers also check the parts' ETags together before
   * completing); the caller retries, as for `uploadPart`.
   */
  async uploadPartCopy(key: string, uploadId: string, partNumber: number, source: S3Bucket, sourceKey: string, range: ByteRange, ifMatch: string | undefined): Promise<string> {
    try {
      const out = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: copySource(source, sourceKey),
          CopySourceRange: `bytes=${range.start}-${range.end}`,
          CopySourceIfMatch: ifMatch === undefined ? undefined : `"${ifMatch}"`,
        }),
        this.options(true),
      );
      return unquoteEtag(out.CopyPartResult?.ETag ?? '');
    } catch (err) {
      throw source.pinned(err, sourceKey, ifMatch);
    }
  }

  /**
   * Completes an upload. RGW pacific answers an empty ETag here (BZ 2266579), so callers compute
   * the multipart ETag from the part ETags instead of trusting this response.
   */
  async completeUpload(key: string, uploadId: string, partEtags: readonly string[]): Promise<void> {
    await this.ctx.retry('CompleteMultipartUpload', () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: partEtags.map((etag, i) => ({ PartNumber: i + 1, ETag: `"${etag}"` })) },
        }),
        this.options(false),
      ),
    );
  }

  /** Aborts an upload, even after the run was aborted, so that no orphan parts are left. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    await this.ctx.retry('AbortMultipartUpload', () =>
      this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.fullKey(key), UploadId: uploadId }), this.options(true, AbortSignal.timeout(CLEANUP_TIMEOUT_MS))),
    );
  }

  /** Removes every tag of the object (PutObjectTagging cannot set an empty set on every provider). */
  async deleteTagging(key: string): Promise<void> {
    await this.ctx.retry('DeleteObjectTagging', () =>
      this.client.send(new DeleteObjectTaggingCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), this.options(true)),
    );
  }

  /**
   * Deletes one object (a delete marker in a versioned bucket) with DeleteObject, not
   * DeleteObjects: Ceph RGW 16.2.15 aborts on a DeleteObjects to a bucket that has a
   * non-persistent notification, which a replicated (two-way) destination may have.
   */
  async delete(key: string): Promise<void> {
    await this.ctx.retry('DeleteObject', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), this.options(true)));
  }

  /** Deletes up to 1,000 keys in one request; returns the keys that failed, with the reason. */
  async deleteMany(keys: readonly string[]): Promise<{ key: string; reason: string }[]> {
    const out = await this.ctx.retry('DeleteObjects', () =>
      this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((key) => ({ Key: this.fullKey(key) })), Quiet: true } }),
        this.options(false),
      ),
    );
    const prefix = this.location.prefix;
    return (out.Errors ?? []).map((e) => ({ key: (e.Key ?? '').slice(prefix.length), reason: `${e.Code ?? 'Error'}: ${e.Message ?? ''}` }));
  }
}

/** The MD5 of no bytes. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/**
 * The ETag an upload answered, checked against the MD5 of the bytes sent and, when known, the
 * MD5 they should have had (the source's).
 */
function verified(what: string, answered: string | undefined, sent: string, expected: string | undefined): string {
  const etag = unquoteEtag(answered ?? '');
  if (expected !== undefined && MD5_ETAG.test(expected) && sent !== expected) {
    throw new IntegrityError(`'${what}': the bytes read have MD5 ${sent}, the source's is ${expected}`);
  }
  if (etag !== sent) throw new IntegrityError(`'${what}': the gateway stored ETag ${etag || '(none)'} for bytes with MD5 ${sent}`);
  return etag;
}

/** The preserved headers of a GET or HEAD answer. */
function headOf(out: HeadObjectCommandOutput | GetObjectCommandOutput): HeadResult {
  const expires = out.ExpiresString === undefined ? undefined : new Date(out.ExpiresString);
  return {
    size: out.ContentLength ?? 0,
    etag: unquoteEtag(out.ETag ?? ''),
    modified: out.LastModified ?? new Date(0),
    headers: {
      ContentType: out.ContentType,
      CacheControl: out.CacheControl,
      ContentDisposition: out.ContentDisposition,
      ContentEncoding: out.ContentEncoding,
      ContentLanguage: out.ContentLanguage,
      Expires: expires !== undefined && !Number.isNaN(expires.getTime()) ? expires : undefined,
      Metadata: out.Metadata ?? {},
    },
    tagCount: out.TagCount ?? 0,
  };
}

/** The preserved headers, metadata made header-safe (RFC 2047 for non-ASCII values). */
function headerSafe(headers: ObjectHeaders): ObjectHeaders {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers.Metadata ?? {})) metadata[name] = headerSafeValue(value);
  return {
    ContentType: headers.ContentType,
    CacheControl: headers.CacheControl,
    ContentDisposition: headers.ContentDisposition === undefined ? undefined : headerSafeValue(headers.ContentDisposition),
    ContentEncoding: headers.ContentEncoding,
    ContentLanguage: headers.ContentLanguage,
    Expires: headers.Expires,
    Metadata: metadata,
  };
}

/** `bucket/key` with the key URL-encoded segment by segment, as CopySource wants it. */
function copySource(source: S3Bucket, key: string): string {
  return `${source.bucket}/${source.fullKey(key).split('/').map(encodeURIComponent).join('/')}`;
}
