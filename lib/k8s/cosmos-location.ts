import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Cosmos } from '../../imports/zenko.io';
import {
  COSMOS_MAX_NAME_LENGTH,
  Problems,
  ZENKO_LOCATION_NAME,
  checkCronSchedule,
  checkZenkoNodeCount,
  isBucketName,
  mirrorModeBucket,
  type MirrorBucketCreation,
  type ZenkoClusterSizing,
} from '../model';

/**
 * The AWS bucket whose objects' metadata Zenko ingests (`spec.rclone.source`).
 * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
 */
export interface CosmosAwsSourceProps {
  /** The AWS bucket (`source.bucket`). */
  readonly bucket: string;
  /** The bucket's AWS region, e.g. `us-east-1` (`source.region`). */
  readonly region: string;
  /**
   * The S3 endpoint (`source.endpoint`).
   * @default - rclone's AWS endpoint for `region`
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly endpoint?: string;
  /**
   * Secret with the AWS keys under `access_key_id` and `secret_access_key` (`source.existingSecret`).
   * @default - the location name, the Secret Zenko's Cosmos scheduler keeps for the location
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly existingSecret?: string;
}

/**
 * The Zenko bucket the metadata lands in (`spec.rclone.destination`): a bucket created in the
 * mirror-mode variant of the location (see {@link CosmosLocation.mirrorModeBucket}).
 */
export interface CosmosZenkoDestinationProps {
  /** The mirror-mode bucket (`destination.bucket`). */
  readonly bucket: string;
  /**
   * Zenko's CloudServer endpoint (`destination.endpoint`).
   * @default `http://<zenkoReleaseName>-cloudserver`
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly endpoint?: string;
  /**
   * Secret with the Zenko keys under `access_key_id` and `secret_access_key` (`destination.existingSecret`).
   * @default `<zenkoReleaseName>-metadata-ingestion`, the Secret the Zenko chart gives its ingestion
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly existingSecret?: string;
}

export interface CosmosLocationProps {
  /**
   * The Zenko (Orbit) location name: the Cosmos name, its `fullnameOverride` and the destination
   * region. At most 38 characters (the chart's CronJob `<name>-cosmos-rclone` may have 52), and at
   * most 28 with `triggerIngestion` (its Job `<name>-cosmos-rclone-manual-ingest-<hash>` labels its pods
   * with its name, at most 63).
   * @see https://github.com/scality/Zenko/blob/1.2.5/docs/docsource/operation/Orbit_UI/Bucket_Management/out-of-band_updates/set_up_AWS_for_OOB.rst
   */
  readonly locationName: string;
  /**
   * Namespace of the Zenko release, where the Cosmos operator and scheduler run.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** The AWS bucket to ingest. */
  readonly source: CosmosAwsSourceProps;
  /** The Zenko mirror-mode bucket to ingest into. */
  readonly destination: CosmosZenkoDestinationProps;
  /**
   * Helm release name of Zenko, from which the destination defaults are derived.
   * @default 'zenko'
   */
  readonly zenkoReleaseName?: string;
  /**
   * When ingestion runs (`spec.rclone.schedule`): five cron fields or `@hourly`, `@daily`,
   * `@weekly`, `@monthly`, `@yearly` (also `@annually`, `@midnight`).
   * @default '0 *\/12 * * *' (every 12 hours, at 12 am and 12 pm)
   * @see https://github.com/scality/Zenko/blob/1.2.5/docs/docsource/operation/Orbit_UI/Bucket_Management/out-of-band_updates/set_up_AWS_for_OOB.rst
   */
  readonly schedule?: string;
  /**
   * Pause the scheduled ingestion (`spec.rclone.suspend`).
   * @default false
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly suspend?: boolean;
  /**
   * Run one ingestion at once, and again whenever the ingestion job's spec changes
   * (`spec.rclone.triggerIngestion`).
   * @default true
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly triggerIngestion?: boolean;
  /**
   * Objects ingested in parallel (`spec.rclone.options.transfers`).
   * @default 32
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly transfers?: number;
  /**
   * Parallel checks of which objects changed (`spec.rclone.options.checkers`).
   * @default 64
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly checkers?: number;
  /**
   * CPU and memory of the ingestion (rclone) jobs (`spec.rclone.resources`).
   * @default - none set
   * @see https://github.com/scality/Zenko/blob/1.2.5/kubernetes/cosmos/values.yaml
   */
  readonly resources?: k8s.ResourceRequirements;
  /**
   * Nodes of the Zenko cluster, checked against what Zenko supports: 3 (Compact, survives one
   * node failure) or 5 (Standard, survives two).
   * @default - not checked
   * @see https://github.com/scality/Zenko/blob/1.2.5/docs/docsource/installation/prepare/setting_up_a_cluster.rst
   */
  readonly zenkoNodeCount?: number;
}

const DEFAULT_SCHEDULE = '0 */12 * * *';
/** `-cosmos-rclone` + `-manual-ingest-` + a 6-character hash, after the name, within 63 characters. */
const MAX_TRIGGERED_NAME_LENGTH = 63 - '-cosmos-rclone-manual-ingest-'.length - 6;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

/**
 * A Zenko out-of-band ingestion location for an AWS bucket: the `zenko.io/v1alpha1` `Cosmos`
 * resource the Zenko Cosmos operator turns into a scheduled rclone metadata ingestion (CronJob)
 * from the AWS bucket into a Zenko mirror-mode bucket. Credentials only by Secret reference.
 * Legacy: Cosmos ships with Zenko 1.x only.
 *
 * @see https://github.com/scality/Zenko/blob/1.2.5/docs/docsource/operation/Orbit_UI/Bucket_Management/out-of-band_updates/set_up_AWS_for_OOB.rst
 */
export class CosmosLocation extends Construct {
  readonly locationName: string;
  readonly schedule: string;
  /** The Zenko CloudServer endpoint the ingestion writes to. */
  readonly destinationEndpoint: string;
  /** What the Zenko cluster survives, when `zenkoNodeCount` is set. */
  readonly clusterSizing?: ZenkoClusterSizing;
  /** The Cosmos resource. */
  readonly resource: ApiObject;

  private readonly destinationBucket: string;

  constructor(scope: Construct, id: string, props: CosmosLocationProps) {
    super(scope, id);
    const zenko = props.zenkoReleaseName ?? 'zenko';
    this.locationName = props.locationName;
    this.schedule = (props.schedule ?? DEFAULT_SCHEDULE).trim();
    this.destinationEndpoint = props.destination.endpoint ?? `http://${zenko}-cloudserver`;
    this.destinationBucket = props.destination.bucket;
    this.clusterSizing = validate(this.node.path, props);

    const { source, destination } = props;
    this.resource = new ApiObject(this, 'Resource', {
      ...Cosmos.GVK,
      metadata: {
        name: this.locationName,
        namespace: props.namespace,
        // The Cosmos scheduler finds a location's Cosmos by this label before creating one.
        labels: { bucket: destination.bucket },
      },
      spec: {
        fullnameOverride: this.locationName,
        // pfsd serves NFS locations only; the chart enables it unless told otherwise.
        pfsd: { enabled: false },
        rclone: {
          schedule: this.schedule,
          suspend: props.suspend ?? false,
          triggerIngestion: props.triggerIngestion ?? true,
          source: {
            type: 's3',
            provider: 'AWS',
            endpoint: source.endpoint,
            region: source.region,
            bucket: source.bucket,
            existingSecret: source.existingSecret ?? this.locationName,
          },
          destination: {
            endpoint: this.destinationEndpoint,
            region: this.locationName,
            bucket: destination.bucket,
            existingSecret: destination.existingSecret ?? `${zenko}-metadata-ingestion`,
          },
          options: { transfers: props.transfers ?? 32, checkers: props.checkers ?? 64 },
          resources: k8s.toJson_ResourceRequirements(props.resources),
        },
      },
    });
  }

  /**
   * How to create the destination bucket in the location's mirror mode, which must exist for the
   * ingestion to run: the `aws s3 mb` command and the S3 `CreateBucket` input for programs.
   * @param endpoint the Zenko S3 endpoint the client reaches, e.g. `https://zenko.local`
   * (default: the in-cluster CloudServer endpoint)
   */
  mirrorModeBucket(endpoint: string = this.destinationEndpoint): MirrorBucketCreation {
    return mirrorModeBucket({ bucket: this.destinationBucket, location: this.locationName, endpoint }, this.node.path);
  }
}

function validate(path: string, props: CosmosLocationProps): ZenkoClusterSizing | undefined {
  const problems = new Problems(path);
  const { locationName, source, destination } = props;
  const triggered = props.triggerIngestion ?? true;
  const maxLength = triggered ? MAX_TRIGGERED_NAME_LENGTH : COSMOS_MAX_NAME_LENGTH;
  const nameRule = triggered
    ? `must be a Zenko location name (a DNS-1123 label) of at most ${maxLength} characters with triggerIngestion (its Job name labels its pods)`
    : `must be a Zenko location name (a DNS-1123 label) of at most ${maxLength} characters (the operator's CronJob name is at most 52)`;
  problems.check(ZENKO_LOCATION_NAME.test(locationName) && locationName.length <= maxLength, 'locationName', nameRule, locationName);
  if (props.namespace !== undefined) {
    problems.check(DNS_LABEL.test(props.namespace), 'namespace', 'must be a DNS-1123 label', props.namespace);
  }
  if (props.zenkoReleaseName !== undefined) {
    problems.check(DNS_LABEL.test(props.zenkoReleaseName), 'zenkoReleaseName', 'must be a Helm release name (a DNS-1123 label)', props.zenkoReleaseName);
  }

  problems.check(isBucketName(source.bucket), 'source.bucket', 'must be an S3 bucket name', source.bucket);
  problems.check(AWS_REGION.test(source.region), 'source.region', 'must be an AWS region such as us-east-1', source.region);
  if (source.endpoint !== undefined) {
    problems.check(HTTP_URL.test(source.endpoint), 'source.endpoint', 'must be an http:// or https:// URL', source.endpoint);
  }
  checkSecretName(problems, 'source.existingSecret', source.existingSecret);

  problems.check(isBucketName(destination.bucket), 'destination.bucket', 'must be an S3 bucket name', destination.bucket);
  if (destination.endpoint !== undefined) {
    problems.check(HTTP_URL.test(destination.endpoint), 'destination.endpoint', 'must be an http:// or https:// URL', destination.endpoint);
  }
  checkSecretName(problems, 'destination.existingSecret', destination.existingSecret);

  if (props.schedule !== undefined) checkCronSchedule(problems, 'schedule', props.schedule);
  if (props.transfers !== undefined) problems.checkInteger('transfers', props.transfers, 1);
  if (props.checkers !== undefined) problems.checkInteger('checkers', props.checkers, 1);
  const sizing = props.zenkoNodeCount === undefined ? undefined : checkZenkoNodeCount(problems, 'zenkoNodeCount', props.zenkoNodeCount);
  problems.throwIfAny();
  return sizing;
}

function checkSecretName(problems: Problems, prop: string, name: string | undefined): void {
  if (name === undefined) return;
  problems.check(DNS_NAME.test(name), prop, 'must be the name of a Secret (with keys access_key_id and secret_access_key)', name);
}
