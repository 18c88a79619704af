import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { SignatureV4 } from '@smithy/signature-v4';
import { unquoteEtag, type ObjectEntry, type RemoteConfig } from '../../model';
import { meterStream, noteStreamed } from '../stream-garbage';

/** An S3 error answer, shaped like the SDK's (`name` is the S3 code) so `isRetryable` reads both. */
export class S3HttpError extends Error {
  readonly $metadata: { httpStatusCode: number };

  constructor(code: string, message: string, status: number) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/** node:crypto behind the hash interface SignatureV4 takes. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as ArrayBuffer);
    return createHmac('sha256', key);
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/** A path segment encoded as SigV4's canonical URI wants it: everything but A-Z a-z 0-9 - . _ ~. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}

export interface S3HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  readonly bucket: string;
  /** The object key; empty for a bucket-level request such as ListObjectsV2. */
  readonly key: string;
  readonly query?: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body?: Readable | Buffer;
  readonly signal: AbortSignal;
}

/**
 * Signed S3 requests over keep-alive sockets, for every operation a copy makes: per-object GET,
 * HEAD, PUT, CopyObject and tags, the listing pages, and multipart uploads (create, parts, part
 * copies, complete, abort). The SDK spends several milliseconds of CPU on each request (middleware stack,
 * endpoint rules, XML schema); on a gateway sharing two cores with its client that halves the
 * object rate. Loading it also adds about 22 MiB to the process, more than a streamed copy of any
 * size needs. So these go straight to HTTP with the SDK's own SigV4 signer. Payloads are sent
 * unsigned (`UNSIGNED-PAYLOAD`), as the SDK does over HTTPS.
 */
export class S3Http {
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly base: URL;
  private readonly https: boolean;

  constructor(
    private readonly config: RemoteConfig,
    maxSockets: number,
    credentials: AwsCredentialIdentityProvider,
  ) {
    this.base = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`);
    this.https = this.base.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, noDelay: true };
    this.agent = this.https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.signer = new SignatureV4({
      // Asked on every request: the provider keeps the credentials and refreshes them before expiry.
      credentials,
      region: config.region,
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  /** Sends one request; resolves with the response on 2xx (body unread), else rejects with S3HttpError. */
  async send(req: S3HttpRequest): Promise<IncomingMessage> {
    // A body stream may fail (or be destroyed) while the request is still being signed: listen
    // from the start, so that the failure ends this request instead of going unhandled.
    const stream = req.body === undefined || Buffer.isBuffer(req.body) ? undefined : req.body;
    let bodyError: Error | undefined;
    let onBodyError: (err: Error) => void = (err) => (bodyError = err);
    stream?.on('error', (err: Error) => onBodyError(err));
    const basePath = this.base.pathname.replace(/\/+$/, '');
    // A dotted bucket name would not match the endpoint's TLS certificate as a host name.
    const virtual = !this.config.forcePathStyle && !req.bucket.includes('.');
    const host = virtual ? `${req.bucket}.${this.base.host}` : this.base.host;
    const path = virtual ? `${basePath}/${encodeKeyPath(req.key)}` : `${basePath}/${encodeSegment(req.bucket)}/${encodeKeyPath(req.key)}`;
    const query = req.query ?? {};
    const search = Object.keys(query)
      .sort()
      .map((name) => `${encodeSegment(name)}=${encodeSegment(query[name] ?? '')}`)
      .join('&');
    const signed = await this.signer.sign({
      method: req.method,
      protocol: this.base.protocol,
      hostname: virtual ? `${req.bucket}.${this.base.hostname}` : this.base.hostname,
      port: this.base.port === '' ? undefined : Number(this.base.port),
      path,
      query,
      headers: { ...req.headers, host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const send = this.https ? httpsRequest : httpRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = send({
        protocol: this.base.protocol,
        hostname: this.base.hostname,
        port: this.base.port,
        method: req.method,
        path: search === '' ? path : `${path}?${search}`,
        headers: signed.headers,
        agent: this.agent,
        signal: req.signal,
        servername: virtual ? `${req.bucket}.${this.base.hostname}` : undefined,
      });
      outgoing.once('response', resolve);
      outgoing.once('error', reject);
      if (stream === undefined) {
        outgoing.end(req.body);
        return;
      }
      onBodyError = (err) => outgoing.destroy(err);
      if (bodyError !== undefined) {
        outgoing.destroy(bodyError);
        return;
      }
      meterStream(stream);
      stream.pipe(outgoing);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    throw errorFrom(await readText(response), status);
  }
}

/**
 * Reads a response body whole. Its bytes count as streamed (`noteStreamed`): the listings of a
 * re-sync read tens of MiB of XML, whose buffers are garbage as soon as a page is parsed.
 */
export async function readBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) {
    chunks.push(chunk as Buffer);
    noteStreamed((chunk as Buffer).length);
  }
  return Buffer.concat(chunks);
}

/** Reads a small response body (an XML answer) as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  return (await readBody(response)).toString('utf8');
}

/** The S3 error in an `<Error>` document (CopyObject may send one with status 200). */
export function errorFrom(xml: string, status: number): S3HttpError {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? (status === 404 ? 'NotFound' : `HTTP${status}`);
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '';
  return new S3HttpError(code, message, status);
}

/**
 * One ListObjectsV2 answer, checked and read as far as its continuation token, so that the next
 * page can be requested before this one's entries are parsed (`listedObjects`). The body stays
 * bytes: decoded whole, a page (200-300 KiB) would be one large string that only a full
 * collection frees.
 */
export interface ListPage {
  readonly body: Buffer;
  readonly nextToken: string | undefined;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML character and entity references (keys may hold any character, as `&#x1;` etc.). */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return XML_ENTITIES[ref] ?? whole;
  });
}

/** The text of the first `<name>` element between `from` and `to`, undecoded. */
export function tag(xml: string, name: string, from = 0, to = xml.length): string | undefined {
  return between(xml, `<${name}>`, `</${name}>`, from, to);
}

/** The text from the first `open` to the next `close` between `from` and `to`. */
function between(xml: string, open: string, close: string, from: number, to: number): string | undefined {
  const at = xml.indexOf(open, from);
  if (at < 0 || at >= to) return undefined;
  const start = at + open.length;
  const end = xml.indexOf(close, start);
  return end < 0 || end > to ? undefined : xml.slice(start, end);
}

/**
 * Where each `<name>` element of a flat, repeated list starts and ends in `xml`, in order; an
 * unterminated one is a malformed `operation` answer.
 */
export function* elementSpans(xml: string, name: string, operation: string): Generator<[number, number]> {
  const openTag = `<${name}>`;
  const closeTag = `</${name}>`;
  let at = 0;
  for (;;) {
    const open = xml.indexOf(openTag, at);
    if (open < 0) return;
    const close = xml.indexOf(closeTag, open);
    if (close < 0) throw new S3HttpError('MalformedAnswer', `unterminated <${name}> in ${operation} answer`, 500);
    yield [open, close];
    at = close;
  }
}

const QUOT = '&quot;';

/** An ETag element's text without its quotes, which servers send as `&quot;` or as `"`. */
function etagText(raw: string): string {
  const quoted = raw.length >= 2 * QUOT.length && raw.startsWith(QUOT) && raw.endsWith(QUOT);
  const inner = quoted ? raw.slice(QUOT.length, -QUOT.length) : raw;
  return unquoteEtag(decodeXmlText(inner));
}

/** The text of the first `<name>` element in `body`, decoded from UTF-8 but not from XML. */
function bufferTag(body: Buffer, name: string): string | undefined {
  const open = `<${name}>`;
  const at = body.indexOf(open);
  if (at < 0) return undefined;
  const end = body.indexOf(`</${name}>`, at);
  return end < 0 ? undefined : body.toString('utf8', at + open.length, end);
}

/**
 * Checks a ListObjectsV2 answer and reads its continuation token. Element names cannot occur
 * inside text (`<` is always escaped there), so plain searches find the top-level elements.
 */
export function readListPage(body: Buffer): ListPage {
  if (!body.includes('<ListBucketResult')) throw errorFrom(body.toString('utf8'), 500);
  const truncated = bufferTag(body, 'IsTruncated') === 'true';
  const token = bufferTag(body, 'NextContinuationToken');
  return { body, nextToken: truncated && token !== undefined ? decodeXmlText(token) : undefined };
}

/**
 * A listed object. Its LastModified is parsed only when a comparison asks for it, which between
 * two buckets none does: parsing 100,000 dates costs a no-op re-sync about 100 ms of CPU.
 */
class ListedObject implements ObjectEntry {
  private parsed: Date | undefined;

  constructor(
    readonly key: string,
    readonly size: number,
    readonly etag: string,
    private readonly lastModified: string,
  ) {}

  get modified(): Date {
    this.parsed ??= new Date(this.lastModified);
    return this.parsed;
  }
}

/**
 * A page's entries, keys relative to `prefix`; an object named like the prefix itself (a marker
 * for the location) is left out. The format is fixed and flat, so this scans for the few elements
 * the engine needs instead of building a document: an order of magnitude less CPU than the SDK's
 * parser on 1,000-entry pages, which is most of what a no-op re-sync costs the client.
 */
export function listedObjects(page: ListPage, prefix: string): ObjectEntry[] {
  const { body } = page;
  const entries: ObjectEntry[] = [];
  for (let start = 0; start < body.length; ) {
    const end = pieceEnd(body, start);
    const xml = body.toString('utf8', start, end);
    start = end;
    for (const [open, close] of elementSpans(xml, 'Contents', 'ListObjectsV2')) {
      const key = decodeXmlText(between(xml, '<Key>', '</Key>', open, close) ?? '');
      if (key === prefix) continue;
      entries.push(
        new ListedObject(
          key.slice(prefix.length),
          Number(between(xml, '<Size>', '</Size>', open, close) ?? 0),
          etagText(between(xml, '<ETag>', '</ETag>', open, close) ?? ''),
          between(xml, '<LastModified>', '</LastModified>', open, close) ?? '',
        ),
      );
    }
  }
  return entries;
}

/**
 * A page is decoded a piece at a time, each piece whole `<Contents>` elements (cut just after a
 * `</Contents>`, so never inside a UTF-8 character) and under V8's large-object size (128 KiB):
 * decoded whole, a page (200-300 KiB) would be a large object that only a full collection frees,
 * and those piled up with the number of pages listed.
 */
const PIECE_BYTES = 64 * 1024;
const CONTENTS_CLOSE = Buffer.from('</Contents>');

/** Where the piece that begins at `start` ends. */
function pieceEnd(body: Buffer, start: number): number {
  if (body.length - start <= PIECE_BYTES) return body.length;
  const last = body.lastIndexOf(CONTENTS_CLOSE, start + PIECE_BYTES - CONTENTS_CLOSE.length);
  if (last >= start) return last + CONTENTS_CLOSE.length;
  const next = body.indexOf(CONTENTS_CLOSE, start);
  return next < 0 ? body.length : next + CONTENTS_CLOSE.length;
}
