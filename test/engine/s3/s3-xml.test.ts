import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRetryable } from '../../../lib/engine/errors';
import { S3HttpError } from '../../../lib/engine/s3/s3-http';
import { checkCompleteUpload, completeUploadBody, parseCopyObject, parseCopyPart, parseCreateUpload, parseTagging, taggingBody } from '../../../lib/engine/s3/s3-xml';

// Answers recorded from the lab's Ceph RGW (pacific, 16.2) with `aws s3api --debug`, for the key
// `k é&<x>`; the AWS forms below are the documented examples.
const recorded = (name: string): string => readFileSync(path.join(__dirname, '../../fixtures/rgw-pacific', name), 'utf8');

describe('parseCreateUpload', () => {
  it('reads the UploadId of a recorded answer', () => {
    expect(parseCreateUpload(recorded('create.xml'))).toBe('2~xfYmq1BY3hqoUex1A_RyZT5zTMZbxP2');
  });

  it('fails on an error document, and on an answer without an UploadId', () => {
    expect(() => parseCreateUpload('<Error><Code>AccessDenied</Code></Error>', 403)).toThrow(
      expect.objectContaining({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    expect(() => parseCreateUpload('<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>')).toThrow(
      expect.objectContaining({ name: 'MalformedAnswer' }),
    );
    expect(() => parseCreateUpload('')).toThrow(S3HttpError);
  });

  it('decodes XML references in the UploadId', () => {
    expect(parseCreateUpload('<InitiateMultipartUploadResult xmlns="x"><UploadId>a&amp;b</UploadId></InitiateMultipartUploadResult>')).toBe('a&b');
  });
});

describe('parseCopyPart', () => {
  it("reads RGW's unquoted ETag and AWS's quoted one", () => {
    expect(parseCopyPart(recorded('copy-part.xml'))).toBe('6a5c03ab7ea0916b44e68553db177a51');
    const aws = '<CopyPartResult><LastModified>2009-10-28T22:32:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag></CopyPartResult>';
    expect(parseCopyPart(aws)).toBe('9b2cf535f27731c974343645a3985328');
  });

  it('fails on a recorded error answer, and on a 200 that carries an <Error> (retryable, as S3 documents)', () => {
    expect(() => parseCopyPart(recorded('copy-part-badrange.xml'), 416)).toThrow(expect.objectContaining({ name: 'InvalidRange' }));
    let caught: unknown;
    try {
      parseCopyPart('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Reduce your rate.</Message></Error>', 200);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ name: 'SlowDown', message: 'Reduce your rate.', $metadata: { httpStatusCode: 500 } });
    expect(isRetryable(caught)).toBe(true);
  });

  it('fails when the ETag is missing', () => {
    expect(() => parseCopyPart('<CopyPartResult><LastModified>x</LastModified></CopyPartResult>')).toThrow(
      expect.objectContaining({ name: 'MalformedAnswer' }),
    );
  });
});

describe('parseCopyObject', () => {
  it("reads RGW's recorded answer, and fails on a 200 that carries an <Error> or on one without an ETag", () => {
    expect(parseCopyObject(recorded('copy-object.xml'))).toBe('764efa883dda1e11db47671c4a3bbd9e');
    expect(() => parseCopyObject('<Error><Code>InternalError</Code></Error>', 200)).toThrow(
      expect.objectContaining({ name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
    );
    expect(() => parseCopyObject('<CopyObjectResult><LastModified>x</LastModified></CopyObjectResult>')).toThrow(
      expect.objectContaining({ name: 'MalformedAnswer', message: 'CopyObject answered no ETag' }),
    );
  });
});

describe('checkCompleteUpload', () => {
  it("accepts RGW pacific's recorded answer, whose ETag is empty", () => {
    expect(() => checkCompleteUpload(recorded('complete.xml'))).not.toThrow();
  });

  it('fails on a recorded InvalidPart answer, not retryable', () => {
    let caught: unknown;
    try {
      checkCompleteUpload(recorded('complete-invalid-part.xml'), 400);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ name: 'InvalidPart', $metadata: { httpStatusCode: 400 } });
    expect(isRetryable(caught)).toBe(false);
  });

  it('fails on a 200 answer that ends in an <Error> after whitespace keep-alives', () => {
    const late = '<?xml version="1.0" encoding="UTF-8"?>\n \n \n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>';
    expect(() => checkCompleteUpload(late, 200)).toThrow(expect.objectContaining({ name: 'InternalError' }));
    expect(() => checkCompleteUpload(recorded('abort-nosuch.xml'), 404)).toThrow(expect.objectContaining({ name: 'NoSuchUpload' }));
  });
});

describe('completeUploadBody', () => {
  it('lists the parts in order, numbered from 1, ETags quoted', () => {
    expect(completeUploadBody(['aa', '"bb"'])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Part><PartNumber>1</PartNumber><ETag>&quot;aa&quot;</ETag></Part>' +
        '<Part><PartNumber>2</PartNumber><ETag>&quot;bb&quot;</ETag></Part>' +
        '</CompleteMultipartUpload>',
    );
  });

  it('escapes an ETag that is not plain hex', () => {
    expect(completeUploadBody(['a<b&c'])).toContain('<ETag>&quot;a&#60;b&#38;c&quot;</ETag>');
  });
});

describe('parseTagging', () => {
  it('reads the recorded tag set, decoding XML references', () => {
    expect(parseTagging(recorded('get-tagging.xml'))).toEqual([
      { key: 'lang', value: 'é日本 & <x>' },
      { key: 'project', value: 'bridge' },
    ]);
    expect(parseTagging(recorded('get-tagging-empty.xml'))).toEqual([]);
  });

  it('fails on a recorded error answer', () => {
    expect(() => parseTagging(recorded('get-tagging-nosuchkey.xml'), 404)).toThrow(expect.objectContaining({ name: 'NoSuchKey' }));
  });

  it('reads back what taggingBody writes', () => {
    const tags = [
      { key: 'a&b', value: '<"x">' },
      { key: 'empty', value: '' },
    ];
    expect(parseTagging(taggingBody(tags))).toEqual(tags);
  });
});
