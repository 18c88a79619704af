import { isBucketName } from './crr';
import { Problems } from './errors';

/** The suffix that selects a location's mirror-mode (ingestion) variant in a bucket's location constraint. */
export const ZENKO_INGEST_SUFFIX = ':ingest';

/** A Zenko location name: what Orbit and the Cosmos operator accept, and a DNS-1123 label. */
export const ZENKO_LOCATION_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

export interface MirrorBucketRequest {
  /** The Zenko bucket to create; its objects mirror the location's remote bucket. */
  readonly bucket: string;
  /** The Zenko location (created in Orbit) whose remote bucket is ingested, e.g. `my-aws`. */
  readonly location: string;
  /** The Zenko S3 endpoint, e.g. `https://zenko.local`. */
  readonly endpoint: string;
}

/**
 * How to create a mirror-mode bucket: as a command line and as S3 API data for programs.
 * @see https://github.com/scality/Zenko/blob/1.2.5/docs/docsource/operation/Orbit_UI/Bucket_Management/out-of-band_updates/set_up_AWS_for_OOB.rst
 */
export interface MirrorBucketCreation {
  /** `aws s3 mb s3://<bucket> --region '<location>:ingest' --endpoint <endpoint>`. */
  readonly awsCli: string;
  /** The Zenko S3 endpoint to send `CreateBucket` to (path-style addressing). */
  readonly endpoint: string;
  /**
   * The region to sign with: `us-east-1`. The AWS CLI signs with its `--region` (`<location>:ingest`),
   * which the AWS SDK refuses (not a host name label). Zenko's CloudServer does not check the region
   * of a signature's scope (Arsenal `validateCredentials`); it takes the location from the constraint.
   */
  readonly signingRegion: string;
  /** The input of the S3 `CreateBucket` operation, as `@aws-sdk/client-s3`'s `CreateBucketCommand` takes it. */
  readonly createBucket: {
    readonly Bucket: string;
    readonly CreateBucketConfiguration: { readonly LocationConstraint: string };
  };
}

/** Records every problem of a request on `problems`, with props named `<prefix>.<field>`. */
export function checkMirrorBucketRequest(problems: Problems, prefix: string, request: MirrorBucketRequest): void {
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const { bucket, location, endpoint } = request;
  problems.check(isBucketName(bucket), at('bucket'), 'must be an S3 bucket name', bucket);
  problems.check(ZENKO_LOCATION_NAME.test(location), at('location'), 'must be a Zenko location name (a DNS-1123 label)', location);
  problems.check(HTTP_URL.test(endpoint), at('endpoint'), 'must be an http:// or https:// URL', endpoint);
}

/**
 * The creation of a bucket in the mirror-mode variant of a location: once it exists, Zenko's Cosmos
 * scheduler starts ingesting the location's remote bucket into it. Throws a `ValidationError`
 * (path `path`) when the request is invalid.
 */
export function mirrorModeBucket(request: MirrorBucketRequest, path = 'MirrorBucketRequest'): MirrorBucketCreation {
  const problems = new Problems(path);
  checkMirrorBucketRequest(problems, '', request);
  problems.throwIfAny();
  const constraint = `${request.location}${ZENKO_INGEST_SUFFIX}`;
  return {
    awsCli: `aws s3 mb s3://${request.bucket} --region '${constraint}' --endpoint ${request.endpoint}`,
    endpoint: request.endpoint,
    signingRegion: 'us-east-1',
    createBucket: { Bucket: request.bucket, CreateBucketConfiguration: { LocationConstraint: constraint } },
  };
}

/** The node counts Zenko supports for a cluster: Compact (3) and Standard (5). */
export const ZENKO_NODE_COUNTS = [3, 5] as const;

/**
 * What a Zenko cluster of a given size survives.
 * @see https://github.com/scality/Zenko/blob/1.2.5/docs/docsource/installation/prepare/setting_up_a_cluster.rst
 */
export interface ZenkoClusterSizing {
  readonly nodeCount: number;
  /** `compact` (3 nodes) or `standard` (5 nodes, three of them masters/etcd). */
  readonly architecture: 'compact' | 'standard';
  /**
   * Nodes that may fail with no service disruption or data loss: a quorum of the stateful services
   * (MongoDB, Redis, Kafka, ZooKeeper) must remain, so `(nodeCount - 1) / 2`.
   */
  readonly nodeFailuresTolerated: number;
}

/**
 * Records a problem unless `nodeCount` is a cluster size Zenko supports: an odd count for quorum,
 * 3 (Compact) or 5 (Standard). Returns the sizing when it is.
 */
export function checkZenkoNodeCount(problems: Problems, prop: string, nodeCount: number): ZenkoClusterSizing | undefined {
  const rule = 'must be 3 (Compact, tolerates 1 node failure) or 5 (Standard, tolerates 2): Zenko needs an odd node count for quorum';
  if (!problems.check((ZENKO_NODE_COUNTS as readonly number[]).includes(nodeCount), prop, rule, nodeCount)) return undefined;
  return {
    nodeCount,
    architecture: nodeCount === 3 ? 'compact' : 'standard',
    nodeFailuresTolerated: (nodeCount - 1) / 2,
  };
}
