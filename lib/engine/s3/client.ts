import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { RemoteConfig } from '../../model';

/** The SDK module, loaded on first use. */
export type S3Sdk = typeof import('@aws-sdk/client-s3');

export interface ClientOptions {
  /** Sockets kept open per endpoint: sized to the run's transfers and checkers. */
  readonly maxSockets: number;
  /** The remote's credentials (`credentialProvider`), shared by every client of the remote. */
  readonly credentials: AwsCredentialIdentityProvider;
}

/**
 * One client per remote. Keep-alive sockets sized to the run's concurrency; path-style for
 * non-AWS providers; checksums only when an operation requires them, because Ceph RGW (pacific)
 * refuses the SDK's default aws-chunked trailing checksums on streaming bodies with 411; the
 * SDK's own retries off, since streamed bodies cannot be replayed and the engine retries whole
 * operations itself (see `withRetry`).
 */
export function createS3Client(sdk: S3Sdk, config: RemoteConfig, options: ClientOptions): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, noDelay: true };
  return new sdk.S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: options.credentials,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 10_000,
      requestTimeout: 300_000,
    },
  });
}

/**
 * An SDK client made on first use, for the one request that stays on the SDK: DeleteObjects
 * (batches of deletes at the end of a sync). Every copy request goes over `S3Http` instead, so a
 * run that deletes nothing never loads the SDK, whose loading is a good part of a short run's
 * start-up and adds about 22 MiB to the process.
 */
export class LazyS3Client {
  private loading: Promise<{ client: S3Client; sdk: S3Sdk }> | undefined;

  constructor(
    private readonly config: RemoteConfig,
    private readonly options: ClientOptions,
  ) {}

  get(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    this.loading ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: createS3Client(sdk, this.config, this.options) }));
    return this.loading;
  }
}
