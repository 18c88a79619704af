import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';
import type { RemoteConfig } from '../../model';

export interface ClientOptions {
  /** Sockets kept open per endpoint: sized to the run's transfers and checkers. */
  readonly maxSockets: number;
  /** How long opening a connection may take. */
  readonly connectTimeoutMs: number;
  /** How long a socket may stay silent, before the answer's headers or in the middle of a body. */
  readonly idleTimeoutMs: number;
}

/**
 * The one place an S3Client is made, one per remote.
 *
 * - Path-style addressing for non-AWS providers (`forcePathStyle` from the remote).
 * - Checksums only where an operation requires them: Ceph RGW 16.2 (pacific) refuses the SDK's
 *   default aws-chunked trailing CRC32 on streamed bodies with 411, so the engine sends Content-MD5
 *   itself where it knows the MD5 beforehand and checks each answer's ETag (see `S3Bucket`).
 * - Deadlines from `NodeHttpHandler`: `connectionTimeout`, and `socketTimeout` as the idle timeout
 *   (a silent server before the headers, or a body that stalls). The response-header deadline is
 *   given per request (`requestTimeout` with `throwOnRequestTimeout`), see `S3Bucket.send`.
 * - The SDK's own retries off (`maxAttempts: 1`): a streamed body cannot be replayed, so the engine
 *   retries whole operations in one place (`withRetry`), each request at one level only.
 */
export function createS3Client(remote: RemoteConfig, options: ClientOptions): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, noDelay: true };
  const client = new S3Client({
    region: remote.region,
    endpoint: remote.endpoint,
    forcePathStyle: remote.forcePathStyle,
    credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey, sessionToken: remote.sessionToken },
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: options.connectTimeoutMs,
      socketTimeout: options.idleTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  });
  if (remote.provider.toLowerCase() !== 'aws') client.middlewareStack.add(copyIfMatchForRgw, { step: 'build', name: 'bucketbridgeCopyIfMatchForRgw' });
  return client;
}

/**
 * Ceph RGW reads CopyObject's source condition from `x-amz-copy-if-match` instead of S3's
 * `x-amz-copy-source-if-match` (measured on 16.2: the S3 name is ignored, the RGW name answers
 * 412), so requests to non-AWS providers carry both. AWS is not sent the unknown header.
 */
const copyIfMatchForRgw: BuildMiddleware<object, MetadataBearer> = (next) => async (args) => {
  const headers = (args.request as { headers?: Record<string, string> }).headers;
  const etag = headers?.['x-amz-copy-source-if-match'];
  if (headers !== undefined && etag !== undefined) headers['x-amz-copy-if-match'] = etag;
  return next(args);
};
