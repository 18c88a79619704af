import { headerSafeValue } from '../../model';
import type { ObjectHeaders, S3Bucket } from '../s3/s3-bucket';

/** What `--compare-tags` / `--compare-metadata` look at, for objects whose size and ETag match. */
export interface AttributeChecks {
  /** Compare tags: GetObjectTagging on each side (skipped when HeadObject says neither has tags). */
  readonly tags: boolean;
  /** Compare headers and user metadata: HeadObject on each side. */
  readonly metadata: boolean;
}

/**
 * How two objects with the same content differ: `same`, `tags` (only the tags, which one
 * PutObjectTagging carries) or `metadata` (headers or user metadata, which only a new copy
 * carries). Metadata is compared as the engine writes it (non-ASCII values as RFC 2047 words).
 */
export type AttributeVerdict = 'same' | 'tags' | 'metadata';

export async function compareAttributes(
  source: S3Bucket,
  destination: S3Bucket,
  key: string,
  checks: AttributeChecks,
  retry: <T>(operation: string, request: () => Promise<T>) => Promise<T>,
): Promise<{ verdict: AttributeVerdict; sourceTags: string }> {
  let tagsMayDiffer = true;
  if (checks.metadata) {
    const [src, dst] = await Promise.all([source.head(key), destination.head(key)]);
    if (headersKey(src.headers) !== headersKey(dst.headers)) return { verdict: 'metadata', sourceTags: '' };
    tagsMayDiffer = src.tagCount > 0 || dst.tagCount > 0;
  }
  if (!checks.tags || !tagsMayDiffer) return { verdict: 'same', sourceTags: '' };
  const [srcTags, dstTags] = await Promise.all([
    retry('GetObjectTagging', () => source.tagging(key)),
    retry('GetObjectTagging', () => destination.tagging(key)),
  ]);
  return { verdict: sortedTags(srcTags) === sortedTags(dstTags) ? 'same' : 'tags', sourceTags: srcTags };
}

/** Tags in a canonical order: S3 does not promise the order of a TagSet. */
function sortedTags(tagging: string): string {
  return tagging.split('&').sort().join('&');
}

function headersKey(headers: ObjectHeaders): string {
  const metadata = Object.entries(headers.Metadata ?? {})
    .map(([name, value]) => [name.toLowerCase(), headerSafeValue(value)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return JSON.stringify([
    headers.ContentType,
    headers.CacheControl,
    headers.ContentDisposition === undefined ? undefined : headerSafeValue(headers.ContentDisposition),
    headers.ContentEncoding,
    headers.ContentLanguage,
    headers.Expires?.getTime(),
    metadata,
  ]);
}
