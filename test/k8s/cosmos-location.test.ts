import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import { CosmosLocation, type CosmosLocationProps } from '../../lib/k8s/cosmos-location';
import { ManifestValidator, ValidationError, formatManifestProblem, formatProblem } from '../../lib/model';
import { type KubeObject, field, findByKind, synthAndValidate } from '../support/manifests';

const base: CosmosLocationProps = {
  locationName: 'my-aws',
  source: { bucket: 'my-aws-bucket', region: 'us-east-1' },
  destination: { bucket: 'aws-bucket-name' },
};

function synth(props: Partial<CosmosLocationProps> = {}): { location: CosmosLocation; cosmos: KubeObject } {
  const chart = new Chart(Testing.app(), 'zenko', { namespace: 'zenko' });
  const location = new CosmosLocation(chart, 'Location', { ...base, ...props });
  const objects = synthAndValidate(chart);
  expect(objects.map((object) => object.kind)).toEqual(['Cosmos']);
  return { location, cosmos: findByKind(objects, 'Cosmos', props.locationName ?? base.locationName) };
}

function problems(props: Partial<CosmosLocationProps>): string[] {
  try {
    new CosmosLocation(new Chart(Testing.app(), 'zenko'), 'Location', { ...base, ...props });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('zenko/Location');
    return (error as ValidationError).problems.map(formatProblem);
  }
  throw new Error('expected a ValidationError');
}

describe('CosmosLocation', () => {
  it('renders what the Cosmos scheduler writes for an AWS location, scheduled every 12 hours by default', () => {
    const { cosmos } = synth();
    expect(cosmos).toEqual({
      apiVersion: 'zenko.io/v1alpha1',
      kind: 'Cosmos',
      metadata: { name: 'my-aws', namespace: 'zenko', labels: { bucket: 'aws-bucket-name' } },
      spec: {
        fullnameOverride: 'my-aws',
        pfsd: { enabled: false },
        rclone: {
          schedule: '0 */12 * * *',
          suspend: false,
          triggerIngestion: true,
          source: { type: 's3', provider: 'AWS', region: 'us-east-1', bucket: 'my-aws-bucket', existingSecret: 'my-aws' },
          destination: {
            endpoint: 'http://zenko-cloudserver',
            region: 'my-aws',
            bucket: 'aws-bucket-name',
            existingSecret: 'zenko-metadata-ingestion',
          },
          options: { transfers: 32, checkers: 64 },
        },
      },
    });
  });

  it.each(['@hourly', '0 8 * * *', '@daily', '@weekly', '@monthly', '@yearly'])('takes the schedule %j', (schedule) => {
    expect(field(synth({ schedule }).cosmos, 'spec.rclone.schedule')).toBe(schedule);
  });

  it('maps suspend, triggerIngestion, transfers, checkers and resources to the rclone values', () => {
    const rclone = field(
      synth({
        suspend: true,
        triggerIngestion: false,
        transfers: 8,
        checkers: 16,
        resources: { limits: { memory: k8s.Quantity.fromString('512Mi') } },
      }).cosmos,
      'spec.rclone',
    );
    expect(rclone).toMatchObject({
      suspend: true,
      triggerIngestion: false,
      options: { transfers: 8, checkers: 16 },
      resources: { limits: { memory: '512Mi' } },
    });
  });

  it('takes the source endpoint and Secret, and the Zenko endpoint and Secret, by name only', () => {
    const { cosmos } = synth({
      namespace: 'zenko-prod',
      source: { bucket: 'my-aws-bucket', region: 'eu-west-1', endpoint: 'https://s3.eu-west-1.amazonaws.com', existingSecret: 'aws-keys' },
      destination: { bucket: 'aws-bucket-name', endpoint: 'http://zenko-cloudserver.zenko-prod.svc', existingSecret: 'zenko-keys' },
    });
    expect(cosmos.metadata.namespace).toBe('zenko-prod');
    expect(field(cosmos, 'spec.rclone.source')).toEqual({
      type: 's3',
      provider: 'AWS',
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      bucket: 'my-aws-bucket',
      existingSecret: 'aws-keys',
    });
    expect(field(cosmos, 'spec.rclone.destination')).toEqual({
      endpoint: 'http://zenko-cloudserver.zenko-prod.svc',
      region: 'my-aws',
      bucket: 'aws-bucket-name',
      existingSecret: 'zenko-keys',
    });
    expect(JSON.stringify(cosmos)).not.toMatch(/access_key_id|secret_access_key|accessKey|secretKey/);
  });

  it('derives the Zenko endpoint and Secret from the Zenko release name', () => {
    expect(field(synth({ zenkoReleaseName: 'orbit' }).cosmos, 'spec.rclone.destination')).toMatchObject({
      endpoint: 'http://orbit-cloudserver',
      existingSecret: 'orbit-metadata-ingestion',
    });
  });

  it('gives the mirror-mode bucket creation of the seed, as a command and as CreateBucket data', () => {
    const { location } = synth();
    expect(location.mirrorModeBucket('https://zenko.local')).toEqual({
      awsCli: "aws s3 mb s3://aws-bucket-name --region 'my-aws:ingest' --endpoint https://zenko.local",
      endpoint: 'https://zenko.local',
      signingRegion: 'us-east-1',
      createBucket: { Bucket: 'aws-bucket-name', CreateBucketConfiguration: { LocationConstraint: 'my-aws:ingest' } },
    });
    expect(location.mirrorModeBucket().endpoint).toBe('http://zenko-cloudserver');
  });

  it('reports what a 3- or 5-node Zenko cluster survives', () => {
    expect(synth({ zenkoNodeCount: 3 }).location.clusterSizing).toEqual({ nodeCount: 3, architecture: 'compact', nodeFailuresTolerated: 1 });
    expect(synth({ zenkoNodeCount: 5 }).location.clusterSizing).toEqual({ nodeCount: 5, architecture: 'standard', nodeFailuresTolerated: 2 });
    expect(synth().location.clusterSizing).toBeUndefined();
  });

  it('fails on an even or unsupported Zenko node count', () => {
    expect(problems({ zenkoNodeCount: 4 })).toEqual([
      `'zenkoNodeCount' must be 3 (Compact, tolerates 1 node failure) or 5 (Standard, tolerates 2): Zenko needs an odd node count for quorum, got 4`,
    ]);
  });

  it('fails on a schedule Kubernetes would refuse, naming the prop', () => {
    expect(problems({ schedule: '0 8 * * * *' })).toEqual([
      `'schedule' must be a 5-field cron expression or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly (found 6 fields), got "0 8 * * * *"`,
    ]);
    expect(problems({ schedule: '@every 1h' })).toHaveLength(1);
  });

  it('fails on location names the chart cannot turn into CronJob and Job names', () => {
    expect(problems({ locationName: 'My_AWS' })).toEqual([
      `'locationName' must be a Zenko location name (a DNS-1123 label) of at most 28 characters with triggerIngestion (its Job name labels its pods), got "My_AWS"`,
    ]);
    const name29 = 'a'.repeat(29);
    expect(problems({ locationName: name29 })).toHaveLength(1);
    expect(field(synth({ locationName: name29, triggerIngestion: false }).cosmos, 'metadata.name')).toBe(name29);
    expect(problems({ locationName: 'a'.repeat(39), triggerIngestion: false })).toEqual([
      `'locationName' must be a Zenko location name (a DNS-1123 label) of at most 38 characters (the operator's CronJob name is at most 52), got "${'a'.repeat(39)}"`,
    ]);
  });

  it('fails on bad buckets, region, endpoints, Secret names and counts, all at once', () => {
    expect(
      problems({
        namespace: 'Zenko',
        zenkoReleaseName: 'Zenko',
        source: { bucket: 'AWS_Bucket', region: 'us east', endpoint: 's3.amazonaws.com', existingSecret: 'AKIA/secret' },
        destination: { bucket: 'x', endpoint: 'ftp://zenko', existingSecret: 'Zenko Keys' },
        transfers: 0,
        checkers: 2.5,
      }),
    ).toEqual([
      `'namespace' must be a DNS-1123 label, got "Zenko"`,
      `'zenkoReleaseName' must be a Helm release name (a DNS-1123 label), got "Zenko"`,
      `'source.bucket' must be an S3 bucket name, got "AWS_Bucket"`,
      `'source.region' must be an AWS region such as us-east-1, got "us east"`,
      `'source.endpoint' must be an http:// or https:// URL, got "s3.amazonaws.com"`,
      `'source.existingSecret' must be the name of a Secret (with keys access_key_id and secret_access_key), got "AKIA/secret"`,
      `'destination.bucket' must be an S3 bucket name, got "x"`,
      `'destination.endpoint' must be an http:// or https:// URL, got "ftp://zenko"`,
      `'destination.existingSecret' must be the name of a Secret (with keys access_key_id and secret_access_key), got "Zenko Keys"`,
      `'transfers' must be an integer of at least 1, got 0`,
      `'checkers' must be an integer of at least 1, got 2.5`,
    ]);
  });

  it('renders a Cosmos that our schema accepts, and the schema refuses the same object with a literal key', () => {
    const { cosmos } = synth();
    const validator = ManifestValidator.forDirectory();
    expect(validator.validate(cosmos)).toEqual([]);
    const leaked = structuredClone(cosmos) as KubeObject & { spec: { rclone: { destination: Record<string, unknown> } } };
    leaked.spec.rclone.destination.secret_access_key = 'not-a-secret';
    expect(validator.validate(leaked).map(formatManifestProblem)).toEqual([
      'zenko.io/v1alpha1 Cosmos zenko/my-aws: /spec/rclone/destination/secret_access_key (bucketbridge Cosmos schema) must NOT be valid',
    ]);
  });
});
