import { createHash } from 'node:crypto';

/** One object in a listing, with its key relative to the location. */
export interface ObjectEntry {
  readonly key: string;
  readonly size: number;
  /** S3 ETag without quotes; absent for local files. */
  readonly etag?: string;
  /** S3 LastModified, or a local file's mtime. */
  readonly modified: Date;
}

/**
 * How two entries are compared.
 * - `default`: size, then ETag when the two ETags are comparable, else modification times.
 * - `size-only`: size alone.
 * - `checksum`: size and content hash; never modification times.
 */
export type CompareMode = 'default' | 'size-only' | 'checksum';

/**
 * `same` / `differ` decide; `hash` means a local file must be hashed in the other side's part
 * layout before deciding (only in `checksum` mode).
 */
export type Verdict = 'same' | 'differ' | 'hash';

export interface CompareOptions {
  readonly mode: CompareMode;
  /**
   * The destination is a local file, whose mtime the engine sets to the source's on copy: times
   * must then be equal (to the second). For an S3 destination, whose LastModified is the time of
   * the copy, the destination must not be older than the source.
   */
  readonly destinationIsLocal: boolean;
}

/**
 * Part count of a multipart ETag (`<md5 of part md5s>-N`), or `undefined` for a single-part ETag
 * (the body's MD5).
 */
export function etagPartCount(etag: string): number | undefined {
  const match = /-(\d+)$/.exec(etag);
  return match === null ? undefined : Number(match[1]);
}

/** Strips the quotes S3 puts around ETags. */
export function unquoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.endsWith('"') ? etag.replace(/^"+|"+$/g, '') : etag;
}

/**
 * Decides whether `destination` already holds `source`'s content.
 *
 * Size first. Then ETags: equal ETags mean equal content (the engine copies a multipart object
 * with the source's part layout, so its copies get the source's ETag). Two different plain-MD5
 * ETags mean different content. A multipart ETag that differs may only reflect a different part
 * layout, so (outside `checksum` mode) modification times decide, see `timesSay`. A local side has
 * no ETag: times decide, or in `checksum` mode the caller hashes the file (`hash`).
 */
export function compareEntries(source: ObjectEntry, destination: ObjectEntry, options: CompareOptions): Verdict {
  if (source.size !== destination.size) return 'differ';
  if (options.mode === 'size-only') return 'same';
  if (source.etag !== undefined && destination.etag !== undefined) {
    if (source.etag === destination.etag) return 'same';
    const plain = etagPartCount(source.etag) === undefined && etagPartCount(destination.etag) === undefined;
    if (plain || options.mode === 'checksum') return 'differ';
    return timesSay(source, destination, options);
  }
  if (options.mode === 'checksum') return 'hash';
  return timesSay(source, destination, options);
}

/**
 * The fallback when content hashes cannot be compared. A local destination has its mtime set to
 * the source's on copy, so the seconds must match. An S3 destination's LastModified is the time of
 * the copy, so a copy made after the source's last change is strictly newer than it.
 */
function timesSay(source: ObjectEntry, destination: ObjectEntry, options: CompareOptions): Verdict {
  if (options.destinationIsLocal) {
    const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
    return seconds(source.modified) === seconds(destination.modified) ? 'same' : 'differ';
  }
  return destination.modified.getTime() > source.modified.getTime() ? 'same' : 'differ';
}

/** S3's limits on multipart uploads. */
export const MAX_PARTS = 10_000;
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;

/**
 * The part size the engine uses for a body it lays out itself (a local file, or a source whose
 * layout cannot be reproduced): `preferred`, grown to a whole MiB so the parts fit in 10,000.
 */
export function choosePartSize(size: number, preferred: number): number {
  const mib = 1024 * 1024;
  const needed = Math.ceil(size / MAX_PARTS / mib) * mib;
  return Math.max(preferred, needed);
}

/**
 * The part size that reproduces a multipart source, given its size, the part count from its ETag
 * and the size of its first part (HeadObject with PartNumber=1). `undefined` when the parts cannot
 * all be that size but the last, e.g. when the server ignored PartNumber or the uploader used
 * uneven parts.
 */
export function reproduciblePartSize(size: number, partCount: number, firstPartBytes: number): number | undefined {
  if (partCount < 1 || partCount > MAX_PARTS || firstPartBytes <= 0) return undefined;
  if (partCount === 1) return firstPartBytes === size ? size : undefined;
  const fits = (partCount - 1) * firstPartBytes < size && size <= partCount * firstPartBytes;
  return fits ? firstPartBytes : undefined;
}

export interface PartRange {
  /** 1-based, as S3 numbers parts. */
  readonly partNumber: number;
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive (HTTP Range convention). */
  readonly end: number;
}

/** Splits `size` bytes into parts of `partSize` (the last one shorter). */
export function* partRanges(size: number, partSize: number): Generator<PartRange> {
  let partNumber = 1;
  for (let start = 0; start < size; start += partSize) {
    yield { partNumber, start, end: Math.min(size, start + partSize) - 1 };
    partNumber += 1;
  }
}

/** The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, then `-N`. */
export function multipartEtag(partEtags: readonly string[]): string {
  const hash = createHash('md5');
  for (const etag of partEtags) hash.update(Buffer.from(unquoteEtag(etag), 'hex'));
  return `${hash.digest('hex')}-${partEtags.length}`;
}

/** Part sizes common uploaders use (lib-storage and rclone 5 MiB, awscli 8 MiB, ...), in MiB. */
const COMMON_PART_MIB = [5, 8, 16, 10, 15, 32, 50, 64, 100, 128, 256, 512];

/**
 * A part size that fits `partCount` parts to `size` when the server cannot tell the first part's
 * size (RGW pacific ignores HeadObject's PartNumber): the first common uploader part size that
 * fits, else the smallest whole MiB (at least S3's 5 MiB minimum) that does. A guess: a copy made
 * with it has the source's ETag only if the uploader used that size, which the engine checks.
 */
export function guessPartSize(size: number, partCount: number): number | undefined {
  if (partCount < 2 || partCount > MAX_PARTS) return undefined;
  const mib = 1024 * 1024;
  const fits = (p: number): boolean => (partCount - 1) * p < size && size <= partCount * p;
  for (const candidate of COMMON_PART_MIB) if (fits(candidate * mib)) return candidate * mib;
  const smallest = Math.max(MIN_PART_BYTES, Math.ceil(size / partCount / mib) * mib);
  return fits(smallest) ? smallest : undefined;
}
