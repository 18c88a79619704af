/**
 * Where a sync reads or writes: an S3 bucket (optionally under a prefix) on a named remote, or a
 * local directory. Written `REMOTE:bucket[/prefix]` or as a path, in rclone's convention.
 */
export type Location = RemoteLocation | LocalLocation;

export interface RemoteLocation {
  readonly kind: 'remote';
  /** The remote's name as written (`ceph` in `ceph:photos/2024`). */
  readonly remote: string;
  readonly bucket: string;
  /** Key prefix, empty or ending in `/`: the location is the "directory" under it. */
  readonly prefix: string;
}

export interface LocalLocation {
  readonly kind: 'local';
  readonly path: string;
}

/** A location the user wrote that cannot be understood. */
export class LocationError extends Error {
  override readonly name = 'LocationError';
}

const REMOTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Parses `REMOTE:bucket[/prefix]` or a local path. A string is local when it has no `:`, or when
 * the part before the first `:` cannot be a remote name (`./a:b`, `/x:y`).
 */
export function parseLocation(text: string): Location {
  if (text === '') throw new LocationError('location is empty');
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon) : '';
  if (colon <= 0 || !REMOTE_NAME.test(name)) {
    return { kind: 'local', path: text };
  }
  const rest = text.slice(colon + 1).replace(/^\/+/, '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (bucket === '') throw new LocationError(`'${text}' names no bucket: write ${name}:bucket[/prefix]`);
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { kind: 'remote', remote: name, bucket, prefix };
}

/** Renders a location back to the form the user writes, for logs and messages. */
export function formatLocation(location: Location): string {
  return location.kind === 'local' ? location.path : `${location.remote}:${location.bucket}/${location.prefix}`;
}
