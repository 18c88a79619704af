/** The engine's optional peers: the S3 SDK (loaded lazily, for deletes) and its signer. */
export const ENGINE_PEERS: readonly string[] = ['@aws-sdk/client-s3', '@smithy/signature-v4'];
