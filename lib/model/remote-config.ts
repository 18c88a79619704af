/**
 * An S3 remote configured from environment variables in rclone's convention, so the Secrets that
 * rclone and bucket-sync already use (`RCLONE_CONFIG_SOURCE_*`, `RCLONE_CONFIG_DESTINATION_*`)
 * work unchanged, and so do the ways AWS and Kubernetes users supply credentials: the SDK's
 * default chain (`ENV_AUTH=true`: environment, shared files and profiles, IRSA web identity, EKS
 * Pod Identity and container credentials, IMDSv2) and an assumed role on top (`ROLE_ARN`).
 *
 * @see https://rclone.org/docs/#config-file
 * @see https://rclone.org/s3/#standard-options
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 */
export interface RemoteConfig {
  readonly name: string;
  /** rclone `provider` (`AWS`, `Ceph`, `Other`, ...). @default 'Other' */
  readonly provider: string;
  /** @default - the provider's public endpoint (AWS only) */
  readonly endpoint?: string;
  /** @default 'us-east-1' */
  readonly region: string;
  /** Where the remote's credentials come from. */
  readonly credentials: RemoteCredentialSource;
  /** A role assumed with those credentials, whose temporary credentials sign the requests. @default - none */
  readonly assumeRole?: AssumeRoleConfig;
  /** Path-style addressing: every provider except AWS, unless `_FORCE_PATH_STYLE` says otherwise. */
  readonly forcePathStyle: boolean;
}

/**
 * Static keys (`ACCESS_KEY_ID`, `SECRET_ACCESS_KEY`, optional `SESSION_TOKEN`), or the AWS SDK's
 * default Node credential chain (`ENV_AUTH=true`, optionally with `PROFILE` and
 * `SHARED_CREDENTIALS_FILE`).
 */
export type RemoteCredentialSource = StaticCredentials | DefaultChainCredentials;

export interface StaticCredentials {
  readonly source: 'static';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** @default - none */
  readonly sessionToken?: string;
}

/** @see https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-aws-sdk-credential-providers/#fromnodeproviderchain */
export interface DefaultChainCredentials {
  readonly source: 'default-chain';
  /** The profile in the shared config and credentials files. @default - `AWS_PROFILE`, else `default` */
  readonly profile?: string;
  /** @default - `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials` */
  readonly sharedCredentialsFile?: string;
}

/** @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html */
export interface AssumeRoleConfig {
  readonly roleArn: string;
  /** @default - `bucketbridge-<remote>` */
  readonly sessionName?: string;
  /** @default - none */
  readonly externalId?: string;
  /**
   * The STS endpoint the role is assumed at.
   * @default - AWS: the SDK's STS endpoint for the region (`AWS_ENDPOINT_URL_STS` overrides it);
   *   any other provider: the remote's own endpoint, where Ceph RGW and MinIO serve STS
   */
  readonly stsEndpoint?: string;
}

/** A remote that is missing or misconfigured in the environment: bad configuration, exit code 2. */
export class RemoteConfigError extends Error {
  override readonly name = 'RemoteConfigError';
}

/** `RCLONE_CONFIG_<REMOTE>_` for a remote name, upper-cased as rclone does. */
export function remoteEnvPrefix(remote: string): string {
  return `RCLONE_CONFIG_${remote.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_`;
}

/** The variables (after `RCLONE_CONFIG_<REMOTE>_`) that `remoteConfigFromEnv` reads. */
export const REMOTE_ENV_FIELDS = [
  'TYPE',
  'PROVIDER',
  'ENDPOINT',
  'REGION',
  'FORCE_PATH_STYLE',
  'ACCESS_KEY_ID',
  'SECRET_ACCESS_KEY',
  'SESSION_TOKEN',
  'ENV_AUTH',
  'PROFILE',
  'SHARED_CREDENTIALS_FILE',
  'ROLE_ARN',
  'ROLE_SESSION_NAME',
  'ROLE_EXTERNAL_ID',
  'STS_ENDPOINT',
] as const;

/** An IAM role ARN (`arn:aws:iam::123456789012:role/name`; Ceph RGW leaves the account empty). */
const ROLE_ARN = /^arn:[a-z-]+:iam::[^:]*:role\/.+$/;
/** @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * Reads one remote from the environment. Every problem is gathered and thrown once as a
 * `RemoteConfigError` that names the remote and the variables at fault, never a secret's value.
 *
 * Credentials: `ACCESS_KEY_ID` + `SECRET_ACCESS_KEY` when both are set (rclone uses them even
 * with `ENV_AUTH=true`); otherwise `ENV_AUTH=true`, or a `PROFILE` or `SHARED_CREDENTIALS_FILE`,
 * selects the SDK's default chain. `ROLE_ARN` assumes a role with whichever of the two.
 */
export function remoteConfigFromEnv(remote: string, env: Readonly<Record<string, string | undefined>>): RemoteConfig {
  const prefix = remoteEnvPrefix(remote);
  const get = (field: (typeof REMOTE_ENV_FIELDS)[number]): string | undefined => {
    const value = env[prefix + field];
    return value === undefined || value === '' ? undefined : value;
  };
  const type = get('TYPE');
  if (type === undefined) {
    throw new RemoteConfigError(`unknown remote '${remote}': set ${prefix}TYPE=s3 (and its endpoint and credentials)`);
  }
  if (type.toLowerCase() !== 's3') {
    throw new RemoteConfigError(`remote '${remote}' has ${prefix}TYPE=${type}; only s3 is supported`);
  }
  const problems: string[] = [];
  const provider = get('PROVIDER') ?? 'Other';
  const endpoint = get('ENDPOINT');
  const isAws = provider.toLowerCase() === 'aws';
  if (endpoint === undefined && !isAws) problems.push(`${prefix}ENDPOINT is required for provider ${provider}`);
  const pathStyle = readBoolean(prefix, 'FORCE_PATH_STYLE', get('FORCE_PATH_STYLE'), problems);
  const credentials = readCredentials(prefix, get, problems);
  const assumeRole = readAssumeRole(prefix, get, problems);
  if (problems.length > 0 || credentials === undefined) {
    throw new RemoteConfigError(`remote '${remote}' is misconfigured: ${problems.join('; ')}`);
  }
  return {
    name: remote,
    provider,
    endpoint: endpoint === undefined ? undefined : withScheme(endpoint),
    region: get('REGION') ?? 'us-east-1',
    credentials,
    assumeRole,
    forcePathStyle: pathStyle ?? !isAws,
  };
}

type Getter = (field: (typeof REMOTE_ENV_FIELDS)[number]) => string | undefined;

function readCredentials(prefix: string, get: Getter, problems: string[]): RemoteCredentialSource | undefined {
  const accessKeyId = get('ACCESS_KEY_ID');
  const secretAccessKey = get('SECRET_ACCESS_KEY');
  const sessionToken = get('SESSION_TOKEN');
  const envAuth = readBoolean(prefix, 'ENV_AUTH', get('ENV_AUTH'), problems);
  const profile = get('PROFILE');
  const sharedCredentialsFile = get('SHARED_CREDENTIALS_FILE');
  const chainNamed = [...(profile === undefined ? [] : ['PROFILE']), ...(sharedCredentialsFile === undefined ? [] : ['SHARED_CREDENTIALS_FILE'])].map(
    (field) => prefix + field,
  );
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    if (chainNamed.length > 0) {
      problems.push(`${chainNamed.join(' and ')} select the AWS SDK's credential chain, but static keys are set too: keep one`);
    }
    return { source: 'static', accessKeyId, secretAccessKey, sessionToken };
  }
  if (accessKeyId !== undefined || secretAccessKey !== undefined) {
    const [set, unset] = accessKeyId === undefined ? ['SECRET_ACCESS_KEY', 'ACCESS_KEY_ID'] : ['ACCESS_KEY_ID', 'SECRET_ACCESS_KEY'];
    problems.push(`${prefix}${set} is set but ${prefix}${unset} is not`);
    return undefined;
  }
  if (sessionToken !== undefined) {
    problems.push(`${prefix}SESSION_TOKEN needs ${prefix}ACCESS_KEY_ID and ${prefix}SECRET_ACCESS_KEY`);
    return undefined;
  }
  if (envAuth === false && chainNamed.length > 0) {
    problems.push(`${chainNamed.join(' and ')} need the AWS SDK's credential chain, but ${prefix}ENV_AUTH=false`);
    return undefined;
  }
  if (envAuth === true || chainNamed.length > 0) return { source: 'default-chain', profile, sharedCredentialsFile };
  problems.push(
    `no credentials: set ${prefix}ACCESS_KEY_ID and ${prefix}SECRET_ACCESS_KEY, or ${prefix}ENV_AUTH=true for the AWS SDK's ` +
      'default chain (environment, shared config and AWS_PROFILE, web identity, container credentials, instance metadata)',
  );
  return undefined;
}

function readAssumeRole(prefix: string, get: Getter, problems: string[]): AssumeRoleConfig | undefined {
  const roleArn = get('ROLE_ARN');
  const sessionName = get('ROLE_SESSION_NAME');
  const externalId = get('ROLE_EXTERNAL_ID');
  const stsEndpoint = get('STS_ENDPOINT');
  if (roleArn === undefined) {
    const orphans = [
      ...(sessionName === undefined ? [] : ['ROLE_SESSION_NAME']),
      ...(externalId === undefined ? [] : ['ROLE_EXTERNAL_ID']),
      ...(stsEndpoint === undefined ? [] : ['STS_ENDPOINT']),
    ];
    if (orphans.length > 0) problems.push(`${orphans.map((f) => prefix + f).join(' and ')} need ${prefix}ROLE_ARN`);
    return undefined;
  }
  if (!ROLE_ARN.test(roleArn)) problems.push(`${prefix}ROLE_ARN must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got '${roleArn}'`);
  if (sessionName !== undefined && !SESSION_NAME.test(sessionName)) {
    problems.push(`${prefix}ROLE_SESSION_NAME must be 2 to 64 of A-Z a-z 0-9 _ + = , . @ -, got '${sessionName}'`);
  }
  // An external id is not a secret (AWS shows it in the trust policy), but it is not echoed either.
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    problems.push(`${prefix}ROLE_EXTERNAL_ID must be 2 to 1224 of A-Z a-z 0-9 _ + = , . @ : / -`);
  }
  return { roleArn, sessionName, externalId, stsEndpoint: stsEndpoint === undefined ? undefined : withScheme(stsEndpoint) };
}

/** rclone reads booleans with Go's `strconv.ParseBool`. */
function readBoolean(prefix: string, field: string, value: string | undefined, problems: string[]): boolean | undefined {
  if (value === undefined) return undefined;
  if (['1', 't', 'true'].includes(value.toLowerCase())) return true;
  if (['0', 'f', 'false'].includes(value.toLowerCase())) return false;
  problems.push(`${prefix}${field} must be true or false, got '${value}'`);
  return undefined;
}

/** rclone accepts an endpoint without a scheme and means https. */
function withScheme(endpoint: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
}

/** The credentials behind a remote, in a form that compares equal exactly when they are the same. */
function identityOf(config: RemoteConfig): readonly (string | undefined)[] {
  const c = config.credentials;
  const base = c.source === 'static' ? [c.source, c.accessKeyId, c.secretAccessKey, c.sessionToken] : [c.source, c.profile, c.sharedCredentialsFile];
  const role = config.assumeRole;
  return role === undefined ? base : [...base, role.roleArn, role.sessionName, role.externalId, role.stsEndpoint];
}

/**
 * Two remotes can copy server-side (CopyObject / UploadPartCopy) when one set of credentials can
 * read the source and write the destination on the same gateway: the same endpoint, and provably
 * the same identity. That is the same static keys, or the same default-chain selection (profile
 * and file) which, read in one process, resolves to the same identity; with the same assumed role
 * on top when there is one. Anything else copies through this process.
 */
export function sameServer(a: RemoteConfig, b: RemoteConfig): boolean {
  const ia = identityOf(a);
  const ib = identityOf(b);
  return (a.endpoint ?? `aws:${a.region}`) === (b.endpoint ?? `aws:${b.region}`) && ia.length === ib.length && ia.every((v, i) => v === ib[i]);
}
