import { createHash } from 'node:crypto';
import { choosePartSize, etagPartCount, guessPartSize, multipartEtag, partRanges, reproduciblePartSize } from '../../model';
import type { LocalDirectory } from '../local/local-directory';
import type { S3Bucket } from '../s3/s3-bucket';
import type { EngineTuning } from '../tuning';

/**
 * The ETag a local file would have in the part layout of `s3Etag` (the other side's object), for
 * `--checksum` between a directory and a bucket: the MD5 for a plain ETag, else the multipart ETag
 * with the engine's own part size, the object's first-part size, or a guessed one, whichever gives
 * that part count. `undefined` when no layout fits.
 */
export async function localEtag(
  directory: LocalDirectory,
  key: string,
  size: number,
  s3Etag: string,
  bucket: S3Bucket,
  tuning: EngineTuning,
): Promise<string | undefined> {
  const parts = etagPartCount(s3Etag);
  if (parts === undefined) return fileMd5(directory, key);
  const own = choosePartSize(size, tuning.partSizeBytes);
  let partSize: number | undefined = Math.ceil(size / own) === parts ? own : undefined;
  if (partSize === undefined) {
    const head = await bucket.head(key, 1);
    partSize = reproduciblePartSize(size, parts, head.size) ?? guessPartSize(size, parts);
  }
  if (partSize === undefined) return undefined;
  const etags: string[] = [];
  for (const range of partRanges(size, partSize)) etags.push(await md5(directory, key, range));
  return multipartEtag(etags);
}

/** The MD5 of a whole file, as a plain S3 ETag. */
export function fileMd5(directory: LocalDirectory, key: string): Promise<string> {
  return md5(directory, key, undefined);
}

/** The MD5 of a byte range of a file, for a part's Content-MD5. */
export function rangeMd5(directory: LocalDirectory, key: string, range: { start: number; end: number }): Promise<string> {
  return md5(directory, key, range);
}

async function md5(directory: LocalDirectory, key: string, range: { start: number; end: number } | undefined): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of directory.read(key, range)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
