import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@aws-sdk/types';
import { remoteEnvPrefix, type RemoteConfig } from '../../model';

/**
 * Temporary credentials are refreshed this long before they expire, as the AWS SDK does; until
 * then every request signs with the ones in hand, without a call to the credential source.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Credentials this close to expiry are not used: a request waits for fresh ones instead. Between
 * this and `REFRESH_BEFORE_EXPIRY_MS` the refresh runs in the background and requests go on with
 * the current credentials, so a slow or failing credential source does not stall a run.
 */
export const MIN_REMAINING_VALIDITY_MS = 60_000;

/** After a failed background refresh, the next one is not tried for this long. */
export const REFRESH_RETRY_INTERVAL_MS = 10_000;

/**
 * How long one fetch from a credential source may take, retries of the SDK's clients included,
 * before it counts as failed; a source that never answers must not stall the run's requests.
 */
export const CREDENTIAL_FETCH_TIMEOUT_MS = 60_000;

/** Deadlines of the STS clients the providers make (web identity, assumed roles). */
const STS_REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 20_000 };

/** A remote's credentials could not be had: the message names the remote and what was tried, never a secret. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export interface CredentialProviderOptions {
  /** Told of each failed background refresh (the current credentials are still valid). @default - nothing */
  readonly onRefreshError?: (err: CredentialsError) => void;
  /**
   * Told of the SDK's warnings about the chain's configuration (e.g. both a profile and
   * AWS_ACCESS_KEY_ID are set: the profile wins), which it would otherwise print to stderr.
   * @default - the SDK prints them with console.warn
   */
  readonly onWarning?: (message: string) => void;
  /** @default CREDENTIAL_FETCH_TIMEOUT_MS */
  readonly fetchTimeoutMs?: number;
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * The credentials for one remote's requests, for every S3 client the engine builds:
 *
 * - static keys (`ACCESS_KEY_ID`, `SECRET_ACCESS_KEY`, `SESSION_TOKEN`) as they are;
 * - `ENV_AUTH=true`: the AWS SDK's default Node chain (environment, SSO, shared config and
 *   credentials files with `PROFILE` or `AWS_PROFILE`, `credential_process`, web identity for
 *   IRSA, container credentials for EKS Pod Identity and ECS, IMDSv2);
 * - `ROLE_ARN`: STS AssumeRole (with `ROLE_SESSION_NAME`, `ROLE_EXTERNAL_ID`) signed with either
 *   of the above.
 *
 * Temporary credentials are refreshed `REFRESH_BEFORE_EXPIRY_MS` before they expire, in the
 * background while they remain valid, so a run of any length never signs with expired ones.
 *
 * @see https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-aws-sdk-credential-providers/
 */
export function credentialProvider(remote: RemoteConfig, options: CredentialProviderOptions = {}): AwsCredentialIdentityProvider {
  const creds = remote.credentials;
  if (creds.source === 'static' && remote.assumeRole === undefined) {
    const identity: AwsCredentialIdentity = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken };
    return () => Promise.resolve(identity);
  }
  const base: AwsCredentialIdentityProvider =
    creds.source === 'static'
      ? () => Promise.resolve({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken })
      : refreshing(
          fromNodeProviderChain({
            profile: creds.profile,
            filepath: creds.sharedCredentialsFile,
            // The region of STS calls made by the chain (web identity, roles in profiles), as an
            // S3 client of this remote passes it to the chain.
            parentClientConfig: { region: remote.region },
            clientConfig: { requestHandler: STS_REQUEST_HANDLER },
            ...(options.onWarning === undefined ? {} : { logger: warningsOnly(options.onWarning) }),
          }),
          (err) => explain(remote, 'chain', err),
          options,
        );
  const role = remote.assumeRole;
  if (role === undefined) return base;
  const isAws = remote.provider.toLowerCase() === 'aws';
  const stsEndpoint = role.stsEndpoint ?? (isAws ? undefined : remote.endpoint);
  return refreshing(
    fromTemporaryCredentials({
      masterCredentials: base,
      params: { RoleArn: role.roleArn, RoleSessionName: role.sessionName ?? defaultSessionName(remote.name), ExternalId: role.externalId },
      clientConfig: { region: remote.region, requestHandler: STS_REQUEST_HANDLER, ...(stsEndpoint === undefined ? {} : { endpoint: stsEndpoint }) },
    }),
    (err) => explain(remote, 'role', err),
    options,
  );
}

/** A logger for the SDK's credential providers that passes on their warnings and drops their debug chatter. */
function warningsOnly(onWarning: (message: string) => void): Logger {
  const ignore = (): void => undefined;
  return { debug: ignore, info: ignore, warn: (...content: unknown[]) => onWarning(content.map(String).join(' ').trim()), error: ignore };
}

/** `bucketbridge-<remote>`, within STS's characters and length, so the session names its remote in CloudTrail. */
export function defaultSessionName(remote: string): string {
  return `bucketbridge-${remote}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * Memoizes a credential source and refreshes ahead of expiry: a first call (and a call when the
 * credentials in hand have less than `MIN_REMAINING_VALIDITY_MS` left) waits for the source; a call
 * within `REFRESH_BEFORE_EXPIRY_MS` of expiry starts one background refresh and returns the current
 * credentials. Concurrent callers share one request to the source. Credentials without an
 * expiration are kept for the life of the process.
 */
export function refreshing(
  source: AwsCredentialIdentityProvider,
  describe: (err: unknown) => CredentialsError,
  options: CredentialProviderOptions = {},
): AwsCredentialIdentityProvider {
  const now = options.now ?? Date.now;
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let failedAt = -Infinity;
  const timeoutMs = options.fetchTimeoutMs ?? CREDENTIAL_FETCH_TIMEOUT_MS;
  const refresh = (): Promise<AwsCredentialIdentity> => {
    pending ??= withDeadline(source({ forceRefresh: true }), timeoutMs)
      .then(
        (fresh) => {
          current = fresh;
          return fresh;
        },
        (err: unknown) => {
          failedAt = now();
          throw describe(err);
        },
      )
      .finally(() => (pending = undefined));
    return pending;
  };
  return async () => {
    const expiration = current?.expiration?.getTime();
    if (current !== undefined && expiration === undefined) return current;
    const remaining = expiration === undefined ? -Infinity : expiration - now();
    if (current === undefined || remaining < MIN_REMAINING_VALIDITY_MS) return refresh();
    if (remaining < REFRESH_BEFORE_EXPIRY_MS && pending === undefined && now() - failedAt >= REFRESH_RETRY_INTERVAL_MS) {
      refresh().catch((err: CredentialsError) => options.onRefreshError?.(err));
    }
    return current;
  };
}

/** The promise's outcome, or a `TimeoutError` after `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms / 1000} s`), { name: 'TimeoutError' })), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** What each credential source of a remote tries, for its error message. */
function explain(remote: RemoteConfig, stage: 'chain' | 'role', err: unknown): CredentialsError {
  const prefix = remoteEnvPrefix(remote.name);
  const reason = sdkReason(err);
  if (stage === 'role') {
    const role = remote.assumeRole;
    const signer = remote.credentials.source === 'static' ? `${prefix}ACCESS_KEY_ID` : 'the AWS SDK default chain';
    return new CredentialsError(
      `remote '${remote.name}': cannot assume ${prefix}ROLE_ARN ${role?.roleArn ?? ''} with ${signer} through STS` +
        `${role?.stsEndpoint === undefined ? '' : ` at ${prefix}STS_ENDPOINT`}: ${reason}`,
      { cause: err },
    );
  }
  const creds = remote.credentials;
  const profile = creds.source === 'default-chain' && creds.profile !== undefined ? `${prefix}PROFILE=${creds.profile}` : 'AWS_PROFILE or default';
  const file = creds.source === 'default-chain' && creds.sharedCredentialsFile !== undefined ? `${prefix}SHARED_CREDENTIALS_FILE` : 'AWS_SHARED_CREDENTIALS_FILE';
  return new CredentialsError(
    `remote '${remote.name}' (${prefix}ENV_AUTH): no credentials from the AWS SDK default chain, which tried ` +
      `AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile (${profile}) in AWS_CONFIG_FILE and ${file}, ` +
      'AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, ' +
      `and the EC2 instance metadata service: ${reason}`,
    { cause: err },
  );
}

/** The first line of the SDK's message, shortened; the SDK's providers do not put secrets in theirs. */
function sdkReason(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  const name = typeof e?.name === 'string' && e.name !== 'Error' && e.name !== 'CredentialsProviderError' ? `${e.name}: ` : '';
  const text = `${name}${message}`;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
