/**
 * An S3 remote configured from environment variables in rclone's convention, so the Secrets that
 * rclone and bucket-sync already use (`RCLONE_CONFIG_SOURCE_*`, `RCLONE_CONFIG_DESTINATION_*`)
 * work unchanged.
 *
 * @see https://rclone.org/docs/#config-file
 * @see https://rclone.org/s3/#standard-options
 */
export interface RemoteConfig {
  readonly name: string;
  /** rclone `provider` (`AWS`, `Ceph`, `Other`, ...). @default 'Other' */
  readonly provider: string;
  /** @default - the provider's public endpoint (AWS only) */
  readonly endpoint?: string;
  /** @default 'us-east-1' */
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Path-style addressing: every provider except AWS, unless `_FORCE_PATH_STYLE` says otherwise. */
  readonly forcePathStyle: boolean;
}

/** A remote that is missing or misconfigured in the environment: bad configuration, exit code 2. */
export class RemoteConfigError extends Error {
  override readonly name = 'RemoteConfigError';
}

/** `RCLONE_CONFIG_<REMOTE>_` for a remote name, upper-cased as rclone does. */
export function remoteEnvPrefix(remote: string): string {
  return `RCLONE_CONFIG_${remote.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_`;
}

/**
 * Reads one remote from the environment. Throws `RemoteConfigError` naming the variable at fault,
 * never its value.
 */
export function remoteConfigFromEnv(remote: string, env: Readonly<Record<string, string | undefined>>): RemoteConfig {
  const prefix = remoteEnvPrefix(remote);
  const get = (field: string): string | undefined => {
    const value = env[prefix + field];
    return value === undefined || value === '' ? undefined : value;
  };
  const type = get('TYPE');
  if (type === undefined) {
    throw new RemoteConfigError(`unknown remote '${remote}': set ${prefix}TYPE=s3 (and its endpoint and keys)`);
  }
  if (type.toLowerCase() !== 's3') {
    throw new RemoteConfigError(`remote '${remote}' has ${prefix}TYPE=${type}; only s3 is supported`);
  }
  const accessKeyId = get('ACCESS_KEY_ID');
  const secretAccessKey = get('SECRET_ACCESS_KEY');
  const missing = [
    ...(accessKeyId === undefined ? [`${prefix}ACCESS_KEY_ID`] : []),
    ...(secretAccessKey === undefined ? [`${prefix}SECRET_ACCESS_KEY`] : []),
  ];
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new RemoteConfigError(`remote '${remote}' is missing credential variable ${missing.join(' and ')}`);
  }
  const provider = get('PROVIDER') ?? 'Other';
  const endpoint = get('ENDPOINT');
  const isAws = provider.toLowerCase() === 'aws';
  if (endpoint === undefined && !isAws) {
    throw new RemoteConfigError(`remote '${remote}' (provider ${provider}) needs ${prefix}ENDPOINT`);
  }
  const pathStyle = get('FORCE_PATH_STYLE');
  return {
    name: remote,
    provider,
    endpoint: endpoint === undefined ? undefined : withScheme(endpoint),
    region: get('REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    sessionToken: get('SESSION_TOKEN'),
    forcePathStyle: pathStyle === undefined ? !isAws : pathStyle.toLowerCase() === 'true',
  };
}

/** rclone accepts an endpoint without a scheme and means https. */
function withScheme(endpoint: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
}

/**
 * Two remotes can copy server-side (CopyObject / UploadPartCopy) when one set of credentials can
 * read the source and write the destination on the same gateway.
 */
export function sameServer(a: RemoteConfig, b: RemoteConfig): boolean {
  return (
    (a.endpoint ?? `aws:${a.region}`) === (b.endpoint ?? `aws:${b.region}`) &&
    a.accessKeyId === b.accessKeyId &&
    a.secretAccessKey === b.secretAccessKey &&
    a.sessionToken === b.sessionToken
  );
}
