/**
 * User metadata travels in HTTP headers, which carry only ASCII safely: the SDK signs a header as
 * UTF-8 while Node writes it as Latin-1, so a raw non-ASCII value is refused
 * (SignatureDoesNotMatch). S3 documents RFC 2047 encoded words for such values. A value read back
 * from a header holds the raw bytes as Latin-1 characters; this re-encodes those bytes as one
 * `=?UTF-8?B?...?=` word, and leaves ASCII values (including values already encoded) untouched.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
 */
export function headerSafeValue(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const bytes = /^[\x00-\xff]*$/.test(value) ? Buffer.from(value, 'latin1') : Buffer.from(value, 'utf8');
  return `=?UTF-8?B?${bytes.toString('base64')}?=`;
}
