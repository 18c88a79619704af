import { unquoteEtag } from '../../model';
import { S3HttpError, decodeXmlText, elementSpans, errorFrom, tag } from './s3-http';

/**
 * The XML of the multipart and tagging requests that go over `S3Http`: the request bodies
 * (CompleteMultipartUpload, PutObjectTagging) and the answers the engine reads. Like the listing parser, these scan
 * for the few elements needed instead of building a document; each first checks that the answer is
 * the document it expects, so that an `<Error>` document, including one sent with status 200
 * (CopyObject, UploadPartCopy and CompleteMultipartUpload may fail after the 200 status line went out),
 * becomes an `S3HttpError` rather than a missing value.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */

/** The text of the first `<name>` element between `from` and `to`, XML references decoded. */
function element(xml: string, name: string, from?: number, to?: number): string | undefined {
  const text = tag(xml, name, from, to);
  return text === undefined ? undefined : decodeXmlText(text);
}

/**
 * Throws the S3 error when `xml` is not a `<root>` document. A 2xx answer that carries an
 * `<Error>` counts as a server-side failure (status 500), as CopyObject's does: S3 documents these
 * as failures of a request it had already accepted, which a retry may get through.
 */
function expectRoot(xml: string, root: string, status: number): void {
  if (new RegExp(`<${root}[\\s>]`).test(xml)) return;
  if (/<Error[\s>]/.test(xml)) throw errorFrom(xml, status >= 200 && status < 300 ? 500 : status);
  throw new S3HttpError('MalformedAnswer', `expected <${root}> in the answer, got: ${xml.slice(0, 200)}`, 500);
}

/** The UploadId of a CreateMultipartUpload answer (`<InitiateMultipartUploadResult>`). */
export function parseCreateUpload(xml: string, status = 200): string {
  expectRoot(xml, 'InitiateMultipartUploadResult', status);
  const uploadId = element(xml, 'UploadId');
  if (uploadId === undefined || uploadId === '') throw new S3HttpError('MalformedAnswer', 'CreateMultipartUpload answered no UploadId', 500);
  return uploadId;
}

/** The new object's ETag, unquoted, from a CopyObject answer (`<CopyObjectResult>`). */
export function parseCopyObject(xml: string, status = 200): string {
  return copiedEtag(xml, 'CopyObjectResult', 'CopyObject', status);
}

/** The part's ETag, unquoted, from an UploadPartCopy answer (`<CopyPartResult>`). */
export function parseCopyPart(xml: string, status = 200): string {
  return copiedEtag(xml, 'CopyPartResult', 'UploadPartCopy', status);
}

function copiedEtag(xml: string, root: string, operation: string, status: number): string {
  expectRoot(xml, root, status);
  const etag = unquoteEtag(element(xml, 'ETag') ?? '');
  if (etag === '') throw new S3HttpError('MalformedAnswer', `${operation} answered no ETag`, 500);
  return etag;
}

/**
 * Checks a CompleteMultipartUpload answer (`<CompleteMultipartUploadResult>`). Its ETag is not
 * read: RGW pacific answers an empty one (BZ 2266579), so callers compute it from the parts.
 */
export function checkCompleteUpload(xml: string, status = 200): void {
  expectRoot(xml, 'CompleteMultipartUploadResult', status);
}

/** The CompleteMultipartUpload request body: part N has the N-th ETag (unquoted), quoted on the wire. */
export function completeUploadBody(partEtags: readonly string[]): string {
  const parts = partEtags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>&quot;${escapeXml(unquoteEtag(etag))}&quot;</ETag></Part>`);
  return `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</CompleteMultipartUpload>`;
}

/** One object tag. */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** The tags of a GetObjectTagging answer (`<Tagging><TagSet><Tag>...`), in the answer's order. */
export function parseTagging(xml: string, status = 200): Tag[] {
  expectRoot(xml, 'Tagging', status);
  const tags: Tag[] = [];
  for (const [open, close] of elementSpans(xml, 'Tag', 'GetObjectTagging')) {
    tags.push({ key: element(xml, 'Key', open, close) ?? '', value: element(xml, 'Value', open, close) ?? '' });
  }
  return tags;
}

/** The PutObjectTagging request body. */
export function taggingBody(tags: readonly Tag[]): string {
  const entries = tags.map((tag) => `<Tag><Key>${escapeXml(tag.key)}</Key><Value>${escapeXml(tag.value)}</Value></Tag>`);
  return `<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${entries.join('')}</TagSet></Tagging>`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
