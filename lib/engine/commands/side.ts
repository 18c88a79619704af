import type { LocalDirectory } from '../local/local-directory';
import type { S3Bucket } from '../s3/s3-bucket';

/** One side of a run: a bucket (under a prefix) or a local directory. */
export type Side = { readonly kind: 's3'; readonly bucket: S3Bucket } | { readonly kind: 'local'; readonly directory: LocalDirectory };
