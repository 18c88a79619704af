import { createHash } from 'node:crypto';
import { LocationError, parseLocation, type Location } from './location';
import { remoteEnvPrefix } from './remote-config';

/**
 * Names of the Kubernetes Leases that lock buckets. Every policy that touches a bucket must derive
 * the same name for it, whatever it calls its remotes (a BucketSyncPolicy always names them
 * `source` and `destination`), so the name comes from the server the bucket lives on and the
 * bucket's name, not from the remote's name.
 */

/** Prefix of every bucket lock Lease. */
export const BUCKET_LOCK_PREFIX = 'bucketbridge-lock-';

/**
 * The server a bucket lives on, as far as locking is concerned: the endpoint's host (and port),
 * lower-cased, or `aws` for AWS S3 without an endpoint (bucket names are global there).
 */
export function bucketServer(endpoint: string | undefined): string {
  if (endpoint === undefined || endpoint === '') return 'aws';
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`).host.toLowerCase();
  } catch {
    return endpoint.toLowerCase();
  }
}

/**
 * The Lease name locking `bucket` on `server`: `bucketbridge-lock-<bucket>-<hash>`, a valid DNS
 * label (at most 63 characters, lower-case alphanumerics and `-`). The bucket part is readable and
 * shortened when long; the 12 hex digits of SHA-256 over server and bucket keep names apart.
 */
export function bucketLockName(server: string, bucket: string): string {
  const hash = createHash('sha256').update(`${server}\n${bucket}`).digest('hex').slice(0, 12);
  const readable = bucket
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - BUCKET_LOCK_PREFIX.length - hash.length - 1)
    .replace(/-+$/, '');
  return readable === '' ? `${BUCKET_LOCK_PREFIX}${hash}` : `${BUCKET_LOCK_PREFIX}${readable}-${hash}`;
}

/**
 * The lock names for the buckets behind some locations (`REMOTE:bucket[/prefix]`), reading each
 * remote's endpoint from `RCLONE_CONFIG_<REMOTE>_ENDPOINT`. Local directories need no lock. A
 * location that cannot be parsed is the engine's to report; it gets no lock here.
 */
export function bucketLockNames(locations: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const names = new Set<string>();
  for (const text of locations) {
    let location: Location;
    try {
      location = parseLocation(text);
    } catch (err) {
      if (err instanceof LocationError) continue;
      throw err;
    }
    if (location.kind !== 'remote') continue;
    const endpoint = env[`${remoteEnvPrefix(location.remote)}ENDPOINT`];
    names.add(bucketLockName(bucketServer(endpoint), location.bucket));
  }
  return [...names].sort();
}

/**
 * The Kubernetes API verbs the engine's bucket locks call on `coordination.k8s.io` leases (read,
 * create, replace): what a Role for a sync must grant, and all it needs to.
 */
export const LEASE_VERBS: readonly string[] = ['get', 'create', 'update'];
