import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { S3HttpError, decodeXmlText, encodeKeyPath, errorFrom, listedObjects, readListPage } from '../../../lib/engine/s3/s3-http';
import { isRetryable } from '../../../lib/engine/errors';

const page = (contents: string, tail: string): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>${contents}${tail}</ListBucketResult>`,
  );

const entry = (key: string, size: number, etag: string, quote = '&quot;'): string =>
  `<Contents><Key>${key}</Key><LastModified>2026-11-22T15:17:06.144Z</LastModified><ETag>${quote}${etag}${quote}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass><Owner><ID>lab</ID></Owner></Contents>`;

describe('readListPage and listedObjects', () => {
  it('reads keys, sizes, unquoted ETags and times, decoding XML references', () => {
    const xml = page(
      entry('a &amp; b &lt;c&gt; &#x9;tab &#233;', 5, 'abc-2') + entry('plain', 0, 'd41d8cd98f00b204e9800998ecf8427e', '"'),
      '<IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;en</NextContinuationToken>',
    );
    const listed = readListPage(xml);
    expect(listed.nextToken).toBe('tok&en');
    const entries = listedObjects(listed, '');
    expect(entries.map(({ key, size, etag }) => ({ key, size, etag }))).toEqual([
      { key: 'a & b <c> \ttab é', size: 5, etag: 'abc-2' },
      { key: 'plain', size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e' },
    ]);
    expect(entries.map((e) => e.modified.toISOString())).toEqual(['2026-11-22T15:17:06.144Z', '2026-11-22T15:17:06.144Z']);
  });

  it('finds the token wherever the server puts it, and not the echoed request token', () => {
    const xml = page('<ContinuationToken>old</ContinuationToken><NextContinuationToken>new</NextContinuationToken><IsTruncated>true</IsTruncated>' + entry('k', 1, 'e'), '');
    expect(readListPage(xml).nextToken).toBe('new');
  });

  it('gives keys relative to the prefix and leaves out the marker named like the prefix', () => {
    const xml = page(entry('dir/', 0, 'e') + entry('dir/a', 1, 'e') + entry('dir/b/c', 2, 'e'), '<IsTruncated>false</IsTruncated>');
    expect(listedObjects(readListPage(xml), 'dir/').map((e) => e.key)).toEqual(['a', 'b/c']);
  });

  it('has no next token on the last page, and reads an empty page', () => {
    const last = readListPage(page('', '<IsTruncated>false</IsTruncated>'));
    expect(last.nextToken).toBeUndefined();
    expect(listedObjects(last, '')).toEqual([]);
  });

  it('turns an error document into an S3HttpError', () => {
    expect(() => readListPage(Buffer.from('<Error><Code>NoSuchBucket</Code><Message></Message></Error>'))).toThrow(S3HttpError);
  });

  it('reads every entry of a page larger than the pieces it decodes at a time, whatever the UTF-8 keys at the cuts', () => {
    // Keys of 1 to 4 UTF-8 bytes per character and of varied lengths put the 64 KiB cuts anywhere.
    const chars = ['a', 'é', '€', '\u{1F600}'];
    const keys = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(5, '0')}/${chars[i % 4]!.repeat(1 + (i % 37))}`);
    const body = page(keys.map((key, i) => entry(key, i, `etag${i}`)).join(''), '<IsTruncated>false</IsTruncated>');
    expect(body.length).toBeGreaterThan(8 * 64 * 1024);
    const entries = listedObjects(readListPage(body), '');
    expect(entries.map((e) => e.key)).toEqual(keys);
    expect(entries.every((e, i) => e.size === i && e.etag === `etag${i}`)).toBe(true);
  });

  it('fails on a page cut inside an entry', () => {
    const body = page(entry('a', 1, 'e') + '<Contents><Key>b</Key>', '');
    expect(() => listedObjects(readListPage(body), '')).toThrow(/unterminated <Contents>/);
  });

  it('makes no large object of a page, so that parsed pages are freed by the young generation', () => {
    const body = page(Array.from({ length: 4000 }, (_, i) => entry(`key-${i}`, i, 'e')).join(''), '');
    expect(body.length).toBeGreaterThan(4 * 128 * 1024);
    const large = (): number =>
      getHeapSpaceStatistics()
        .filter((space) => space.space_name.includes('large_object_space'))
        .reduce((sum, space) => sum + space.space_used_size, 0);
    const before = large();
    const entries = listedObjects(readListPage(body), '');
    expect(entries).toHaveLength(4000);
    // V8 puts objects over 128 KiB in its large-object spaces; the entries' array is 32 KiB.
    expect(large() - before).toBeLessThan(128 * 1024);
  });
});

describe('decodeXmlText', () => {
  it('decodes named, decimal and hex references, including characters above U+FFFF', () => {
    expect(decodeXmlText('&quot;&apos;&#128512;&#x1F600;')).toBe(`"'\u{1F600}\u{1F600}`);
    expect(decodeXmlText('no references')).toBe('no references');
  });
});

describe('encodeKeyPath', () => {
  it('encodes each segment as SigV4 canonical URIs want, keeping slashes', () => {
    expect(encodeKeyPath("a b/c+d%e?f#g/ü/(x)!*'")).toBe('a%20b/c%2Bd%25e%3Ff%23g/%C3%BC/%28x%29%21%2A%27');
    expect(encodeKeyPath('a//b')).toBe('a//b');
  });
});

describe('errorFrom', () => {
  it('names the error after the S3 code so that isRetryable can judge it', () => {
    const slow = errorFrom('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>', 503);
    expect(slow).toMatchObject({ name: 'SlowDown', message: 'Please reduce your request rate.', $metadata: { httpStatusCode: 503 } });
    expect(isRetryable(slow)).toBe(true);
    expect(isRetryable(errorFrom('<Error><Code>AccessDenied</Code></Error>', 403))).toBe(false);
    expect(errorFrom('', 404).name).toBe('NotFound');
  });
});
