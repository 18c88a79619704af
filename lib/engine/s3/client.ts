import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { RemoteConfig } from '../../model';

export interface ClientOptions {
  /** Sockets kept open per endpoint: sized to the run's transfers and checkers. */
  readonly maxSockets: number;
}

/**
 * One client per remote. Keep-alive sockets sized to the run's concurrency; path-style for
 * non-AWS providers; checksums only when an operation requires them, because Ceph RGW (pacific)
 * refuses the SDK's default aws-chunked trailing checksums on streaming bodies with 411; the
 * SDK's own retries off, since streamed bodies cannot be replayed and the engine retries whole
 * operations itself (see `withRetry`).
 */
export function createS3Client(config: RemoteConfig, options: ClientOptions): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets };
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: {
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      sessionToken: config.sessionToken,
    },
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
