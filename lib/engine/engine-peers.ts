/** The engine's optional peers: the S3 SDK, its credential providers and its HTTP handler (timeouts). */
export const ENGINE_PEERS: readonly string[] = ['@aws-sdk/client-s3', '@aws-sdk/credential-providers', '@smithy/node-http-handler'];
