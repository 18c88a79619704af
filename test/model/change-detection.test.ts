import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  choosePartSize,
  compareEntries,
  etagPartCount,
  guessPartSize,
  multipartEtag,
  partRanges,
  reproduciblePartSize,
  unquoteEtag,
  type ObjectEntry,
} from '../../lib/model/change-detection';

const MiB = 1024 * 1024;
const t0 = new Date('2026-01-01T00:00:00.000Z');
const later = new Date('2026-01-01T00:00:05.000Z');
const entry = (over: Partial<ObjectEntry>): ObjectEntry => ({ key: 'k', size: 10, modified: t0, ...over });
const toS3 = { mode: 'default', destinationIsLocal: false } as const;

describe('compareEntries', () => {
  it('says differ when sizes differ, whatever else matches', () => {
    expect(compareEntries(entry({ etag: 'a' }), entry({ etag: 'a', size: 11 }), toS3)).toBe('differ');
  });

  it('says same for equal ETags even when the destination is older', () => {
    expect(compareEntries(entry({ etag: 'abc-3', modified: later }), entry({ etag: 'abc-3' }), toS3)).toBe('same');
  });

  it('says differ for two different plain MD5s even when the destination is newer', () => {
    expect(compareEntries(entry({ etag: 'aaa' }), entry({ etag: 'bbb', modified: later }), toS3)).toBe('differ');
  });

  it('lets times decide when a multipart ETag differs: newer copy is the same, older is changed', () => {
    expect(compareEntries(entry({ etag: 'aaa-3' }), entry({ etag: 'bbb', modified: later }), toS3)).toBe('same');
    expect(compareEntries(entry({ etag: 'aaa-3', modified: later }), entry({ etag: 'bbb-3' }), toS3)).toBe('differ');
  });

  it('treats a destination written in the same millisecond as the source as changed', () => {
    expect(compareEntries(entry({ etag: 'aaa-2' }), entry({ etag: 'bbb-2' }), toS3)).toBe('differ');
  });

  it('never uses times in checksum mode', () => {
    const checksum = { mode: 'checksum', destinationIsLocal: false } as const;
    expect(compareEntries(entry({ etag: 'aaa-3' }), entry({ etag: 'bbb', modified: later }), checksum)).toBe('differ');
    expect(compareEntries(entry({}), entry({ etag: 'bbb' }), checksum)).toBe('hash');
  });

  it('compares sizes only in size-only mode', () => {
    expect(compareEntries(entry({ etag: 'aaa' }), entry({ etag: 'bbb' }), { mode: 'size-only', destinationIsLocal: false })).toBe('same');
  });

  it('wants equal seconds for a local destination, whose mtime the engine sets', () => {
    const toLocal = { mode: 'default', destinationIsLocal: true } as const;
    expect(compareEntries(entry({ etag: 'a' }), entry({ modified: new Date(t0.getTime() + 400) }), toLocal)).toBe('same');
    expect(compareEntries(entry({ etag: 'a' }), entry({ modified: later }), toLocal)).toBe('differ');
  });

  it('uses times between a local source and a bucket', () => {
    expect(compareEntries(entry({}), entry({ etag: 'x', modified: later }), toS3)).toBe('same');
    expect(compareEntries(entry({ modified: later }), entry({ etag: 'x' }), toS3)).toBe('differ');
  });
});

describe('ETags', () => {
  it('reads the part count of a multipart ETag, none for a plain MD5', () => {
    expect(etagPartCount('d41d8cd98f00b204e9800998ecf8427e')).toBeUndefined();
    expect(etagPartCount('71046e2ca1918d077bd783b79860a531-3')).toBe(3);
  });

  it('strips quotes', () => {
    expect(unquoteEtag('"abc-2"')).toBe('abc-2');
  });

  it('computes the multipart ETag as S3 does (the example measured on RGW)', () => {
    const parts = ['"08b46181d7094b5ece88bb389c7499af"', '"d76f89e449720d99d4b92c79040f4882"', '"193d16844d1be50b489aa50379030d08"'];
    expect(multipartEtag(parts)).toBe('71046e2ca1918d077bd783b79860a531-3');
  });

  it('agrees with an MD5 over the concatenated part digests', () => {
    const a = createHash('md5').update('a').digest();
    const b = createHash('md5').update('b').digest();
    const expected = createHash('md5').update(Buffer.concat([a, b])).digest('hex');
    expect(multipartEtag([a.toString('hex'), b.toString('hex')])).toBe(`${expected}-2`);
  });
});

describe('part layouts', () => {
  it('reproduces a layout whose first part fits the count', () => {
    expect(reproduciblePartSize(10 * MiB + 1000, 3, 5 * MiB)).toBe(5 * MiB);
  });

  it('refuses a first part that cannot give that count (server ignored PartNumber)', () => {
    expect(reproduciblePartSize(10 * MiB + 1000, 3, 10 * MiB + 1000)).toBeUndefined();
  });

  it('guesses the common 5 MiB part size, else the smallest whole MiB that fits', () => {
    expect(guessPartSize(12 * MiB, 3)).toBe(5 * MiB);
    expect(guessPartSize(64 * MiB, 8)).toBe(8 * MiB);
    expect(guessPartSize(700 * MiB, 7)).toBe(100 * MiB);
    expect(guessPartSize(21 * MiB, 3)).toBe(8 * MiB);
    expect(guessPartSize(1000 * MiB, 6)).toBe(167 * MiB);
  });

  it('grows the part size so that a huge object fits in 10,000 parts', () => {
    expect(choosePartSize(100 * MiB, 16 * MiB)).toBe(16 * MiB);
    const size = 1024 * 1024 * MiB;
    expect(Math.ceil(size / choosePartSize(size, 16 * MiB))).toBeLessThanOrEqual(10_000);
  });

  it('splits a body into inclusive byte ranges, the last one shorter', () => {
    expect([...partRanges(11, 5)]).toEqual([
      { partNumber: 1, start: 0, end: 4 },
      { partNumber: 2, start: 5, end: 9 },
      { partNumber: 3, start: 10, end: 10 },
    ]);
    expect([...partRanges(0, 5)]).toEqual([]);
  });
});
