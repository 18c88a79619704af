import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { headerSafeValue, unquoteEtag, type ObjectEntry, type RemoteConfig, type RemoteLocation } from '../../model';
import type { EngineContext } from '../context';
import { ConfigurationError, describeError, isTransientOnceReached } from '../errors';
import type { LazyS3Client } from './client';
import { CredentialsError } from './credentials';
import { S3Http, encodeKeyPath, listedObjects, readBody, readListPage, readText, type ListPage } from './s3-http';
import { checkCompleteUpload, completeUploadBody, parseCopyObject, parseCopyPart, parseCreateUpload, parseTagging, taggingBody } from './s3-xml';

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

/** How long requests that must not be cut short (creating and aborting uploads) may take. */
const CLEANUP_TIMEOUT_MS = 30_000;

/**
 * One bucket (under a prefix) on one remote. Keys passed in and out are relative to the prefix.
 * Every request carries the run's AbortSignal and goes through the run's retry policy once: here,
 * or, for a request whose body a caller streams (GET, PUT, parts, tags read during a streamed
 * copy), in the caller, which retries it together with that body.
 */
export class S3Bucket {
  /** The page `probe()` fetched, until `list()` takes it. */
  private firstPage: ListPage | undefined;

  constructor(
    private readonly sdkClient: LazyS3Client,
    private readonly http: S3Http,
    readonly config: RemoteConfig,
    readonly location: RemoteLocation,
    private readonly ctx: EngineContext,
  ) {}

  get bucket(): string {
    return this.location.bucket;
  }

  fullKey(key: string): string {
    return this.location.prefix + key;
  }

  /**
   * Fetches the listing's first page, so that a run fails with a one-line ConfigurationError when
   * the endpoint is unreachable (at once, without retries), the credentials are refused or the
   * bucket does not exist; 5xx answers, throttling and resets are retried as for any request.
   * `list()` starts from that page: the check costs no extra request.
   */
  async probe(): Promise<void> {
    try {
      this.firstPage = await this.ctx.retry('ListObjectsV2', () => this.requestPage(this.location.prefix, undefined), isTransientOnceReached);
    } catch (err) {
      throw new ConfigurationError(this.explain(err));
    }
  }

  private explain(err: unknown): string {
    const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
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
   * prefix. The next page is requested as soon as a page arrives, before its entries are parsed, so
   * the gateway works on it while this process parses and merges; at most two pages (2,000
   * entries) are held.
   */
  async *list(): AsyncGenerator<ObjectEntry[]> {
    const base = this.location.prefix;
    const first = this.firstPage;
    this.firstPage = undefined;
    const pages = new PageStream((token) => this.ctx.retry('ListObjectsV2', () => this.requestPage(base, token)), first);
    for await (const page of pages.pages()) yield listedObjects(page, base);
  }

  private async requestPage(prefix: string, token: string | undefined): Promise<ListPage> {
    const query: Record<string, string> = { 'list-type': '2', prefix };
    if (token !== undefined) query['continuation-token'] = token;
    return readListPage(await readBody(await this.http.send({ method: 'GET', bucket: this.bucket, key: '', query, headers: {}, signal: this.ctx.signal })));
  }

  /**
   * HeadObject; with `partNumber` the size is that part's where the server supports it (RGW
   * pacific ignores it and answers the whole object's).
   */
  async head(key: string, partNumber?: number): Promise<HeadResult> {
    const query = partNumber === undefined ? undefined : { partNumber: String(partNumber) };
    const response = await this.ctx.retry('HeadObject', () =>
      this.http.send({ method: 'HEAD', bucket: this.bucket, key: this.fullKey(key), query, headers: {}, signal: this.ctx.signal }),
    );
    response.resume();
    return headFromResponse(response.headers);
  }

  /**
   * A streamed GET (of a byte range when given); the caller must consume or destroy the body. Not
   * retried here: the caller retries the GET together with what consumes its body, since a body
   * that failed half-way cannot be replayed.
   */
  async get(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; head: HeadResult }> {
    const response = await this.http.send({
      method: 'GET',
      bucket: this.bucket,
      key: this.fullKey(key),
      headers: range === undefined ? {} : { range: `bytes=${range.start}-${range.end}` },
      signal: this.ctx.signal,
    });
    return { body: response, head: headFromResponse(response.headers) };
  }

  /**
   * The object's tags as a URL-encoded query string, as PutObject's `Tagging` takes them. Not
   * retried here: a streamed copy reads them within its GET+PUT attempt, which it retries whole.
   */
  async tagging(key: string): Promise<string> {
    const response = await this.http.send({ method: 'GET', bucket: this.bucket, key: this.fullKey(key), query: { tagging: '' }, headers: {}, signal: this.ctx.signal });
    const tags = parseTagging(await readText(response), response.statusCode);
    return tags.map((tag) => `${encodeURIComponent(tag.key)}=${encodeURIComponent(tag.value)}`).join('&');
  }

  /** Sets the tags given as a URL-encoded query string. S3 requires Content-MD5 on this request. */
  async putTagging(key: string, tagging: string): Promise<void> {
    const tags = [...new URLSearchParams(tagging)].map(([tagKey, value]) => ({ key: tagKey, value }));
    const body = Buffer.from(taggingBody(tags));
    await this.ctx.retry('PutObjectTagging', async () => {
      const response = await this.http.send({
        method: 'PUT',
        bucket: this.bucket,
        key: this.fullKey(key),
        query: { tagging: '' },
        headers: {
          'content-type': 'application/xml',
          'content-length': String(body.length),
          'content-md5': createHash('md5').update(body).digest('base64'),
        },
        body,
        signal: this.ctx.signal,
      });
      response.resume();
    });
  }

  /**
   * One streamed PUT. Not retried here: the body is consumed by the attempt, so the caller retries
   * by opening the body again. The body is destroyed if the request fails.
   */
  async put(key: string, body: Readable, size: number, headers: ObjectHeaders, tagging: string): Promise<string> {
    const wire: Record<string, string> = { ...wireHeaders(headers), 'content-length': String(size) };
    if (tagging !== '') wire['x-amz-tagging'] = tagging;
    if (size === 0) body.destroy();
    return this.putStream(key, wire, body, size === 0 ? Buffer.alloc(0) : body);
  }

  /** One PUT of a streamed body (an object or a part); the stream is destroyed if the request fails. */
  private async putStream(key: string, headers: Record<string, string>, stream: Readable, body: Readable | Buffer, query?: Record<string, string>): Promise<string> {
    try {
      const response = await this.http.send({ method: 'PUT', bucket: this.bucket, key: this.fullKey(key), query, headers, body, signal: this.ctx.signal });
      response.resume();
      return unquoteEtag(String(response.headers.etag ?? ''));
    } catch (err) {
      stream.destroy();
      throw err;
    }
  }

  /**
   * Server-side copy of a whole object (up to 5 GiB) with its headers, metadata and tags. CopyObject
   * may answer 200 with an `<Error>` document, which counts as a failure.
   */
  async copyFrom(source: S3Bucket, sourceKey: string, key: string): Promise<string> {
    return this.ctx.retry('CopyObject', async () => {
      const response = await this.http.send({
        method: 'PUT',
        bucket: this.bucket,
        key: this.fullKey(key),
        headers: {
          'content-length': '0',
          'x-amz-copy-source': copySource(source, sourceKey),
          'x-amz-metadata-directive': 'COPY',
          'x-amz-tagging-directive': 'COPY',
        },
        signal: this.ctx.signal,
      });
      return parseCopyObject(await readText(response), response.statusCode);
    });
  }

  /**
   * Starts a multipart upload. Not cut short by the run's signal: an upload created on the server
   * whose answer never arrived could not be aborted, and would be left behind.
   */
  async createUpload(key: string, headers: ObjectHeaders): Promise<string> {
    return this.ctx.retry('CreateMultipartUpload', async () => {
      const response = await this.http.send({
        method: 'POST',
        bucket: this.bucket,
        key: this.fullKey(key),
        query: { uploads: '' },
        headers: { ...wireHeaders(headers), 'content-length': '0' },
        signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS),
      });
      return parseCreateUpload(await readText(response), response.statusCode);
    });
  }

  /**
   * One streamed part; the caller retries by opening the part's body again. The body is destroyed
   * if the request fails.
   */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<string> {
    return this.putStream(key, { 'content-length': String(size) }, body, body, { partNumber: String(partNumber), uploadId });
  }

  /** One part copied server-side from a byte range of `source`; the caller retries, as for `uploadPart`. */
  async uploadPartCopy(
    key: string,
    uploadId: string,
    partNumber: number,
    source: S3Bucket,
    sourceKey: string,
    range: { start: number; end: number },
  ): Promise<string> {
    const response = await this.http.send({
      method: 'PUT',
      bucket: this.bucket,
      key: this.fullKey(key),
      query: { partNumber: String(partNumber), uploadId },
      headers: {
        'content-length': '0',
        'x-amz-copy-source': copySource(source, sourceKey),
        'x-amz-copy-source-range': `bytes=${range.start}-${range.end}`,
      },
      signal: this.ctx.signal,
    });
    return parseCopyPart(await readText(response), response.statusCode);
  }

  /**
   * Completes an upload. RGW pacific answers an empty ETag here (BZ 2266579), so callers compute
   * the multipart ETag from the part ETags instead of trusting this response.
   */
  async completeUpload(key: string, uploadId: string, partEtags: readonly string[]): Promise<void> {
    const body = Buffer.from(completeUploadBody(partEtags));
    await this.ctx.retry('CompleteMultipartUpload', async () => {
      const response = await this.http.send({
        method: 'POST',
        bucket: this.bucket,
        key: this.fullKey(key),
        query: { uploadId },
        headers: { 'content-type': 'application/xml', 'content-length': String(body.length) },
        body,
        signal: this.ctx.signal,
      });
      checkCompleteUpload(await readText(response), response.statusCode);
    });
  }

  /** Aborts an upload, even after the run was aborted, so that no orphan parts are left. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    const response = await this.http.send({
      method: 'DELETE',
      bucket: this.bucket,
      key: this.fullKey(key),
      query: { uploadId },
      headers: {},
      signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS),
    });
    response.resume();
  }

  /** Deletes up to 1,000 keys in one request; returns the keys that failed, with the reason. */
  async deleteMany(keys: readonly string[]): Promise<{ key: string; reason: string }[]> {
    const { client, sdk } = await this.sdkClient.get();
    const out = await this.ctx.retry('DeleteObjects', () =>
      client.send(
        new sdk.DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((key) => ({ Key: this.fullKey(key) })), Quiet: true },
        }),
        { abortSignal: this.ctx.signal },
      ),
    );
    const prefix = this.location.prefix;
    return (out.Errors ?? []).map((e) => ({
      key: (e.Key ?? '').slice(prefix.length),
      reason: `${e.Code ?? 'Error'}: ${e.Message ?? ''}`,
    }));
  }
}

/** The preserved headers of a GET or HEAD response, as the SDK would report them. */
function headFromResponse(headers: IncomingHttpHeaders): HeadResult {
  const text = (name: string): string | undefined => {
    const value = headers[name];
    return value === undefined ? undefined : String(value);
  };
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = String(value);
  }
  const expires = text('expires');
  const expiresDate = expires === undefined ? undefined : new Date(expires);
  return {
    size: Number(text('content-length') ?? 0),
    etag: unquoteEtag(text('etag') ?? ''),
    modified: new Date(text('last-modified') ?? 0),
    headers: {
      ContentType: text('content-type'),
      CacheControl: text('cache-control'),
      ContentDisposition: text('content-disposition'),
      ContentEncoding: text('content-encoding'),
      ContentLanguage: text('content-language'),
      Expires: expiresDate !== undefined && !Number.isNaN(expiresDate.getTime()) ? expiresDate : undefined,
      Metadata: metadata,
    },
    tagCount: Number(text('x-amz-tagging-count') ?? 0),
  };
}

/** The preserved headers as HTTP request headers, metadata made header-safe. */
function wireHeaders(headers: ObjectHeaders): Record<string, string> {
  const safe = headerSafe(headers);
  const wire: Record<string, string> = {};
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) wire[name] = value;
  };
  set('content-type', safe.ContentType);
  set('cache-control', safe.CacheControl);
  set('content-disposition', safe.ContentDisposition);
  set('content-encoding', safe.ContentEncoding);
  set('content-language', safe.ContentLanguage);
  set('expires', safe.Expires?.toUTCString());
  for (const [name, value] of Object.entries(safe.Metadata ?? {})) wire[`x-amz-meta-${name}`] = value;
  return wire;
}

function headerSafe(headers: ObjectHeaders): ObjectHeaders {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers.Metadata ?? {})) metadata[name] = headerSafeValue(value);
  return {
    ...headers,
    ContentDisposition: headers.ContentDisposition === undefined ? undefined : headerSafeValue(headers.ContentDisposition),
    Metadata: metadata,
  };
}

/** `bucket/key` with each key segment URL-encoded, as CopySource wants it. */
function copySource(source: S3Bucket, key: string): string {
  return `${source.bucket}/${encodeKeyPath(source.fullKey(key))}`;
}

/**
 * A listing's pages, the first given or requested on construction and each next one as soon as
 * its predecessor arrives (one page ahead). A page fetched ahead and never read cannot become an
 * unhandled rejection.
 */
class PageStream {
  private next: Promise<ListPage> | undefined;

  constructor(
    private readonly fetch: (token: string | undefined) => Promise<ListPage>,
    first?: ListPage,
  ) {
    this.next = first === undefined ? this.request(undefined) : Promise.resolve(first);
  }

  private request(token: string | undefined): Promise<ListPage> {
    const page = this.fetch(token);
    page.catch(() => undefined);
    return page;
  }

  async *pages(): AsyncGenerator<ListPage> {
    while (this.next !== undefined) {
      const page = await this.next;
      this.next = page.nextToken === undefined ? undefined : this.request(page.nextToken);
      yield page;
    }
  }
}
