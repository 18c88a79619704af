import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CosmosLocation, S3XService } from '../../lib/k8s';

/** The charts of the legacy platforms: EdgeFS S3X services and Zenko out-of-band ingestion locations. */
export interface LegacyPlatformCharts {
  readonly edgefs: Chart;
  readonly zenko: Chart;
}

/**
 * The seeds' legacy platforms, in two charts:
 * - `edgefs-hawaii` (namespace `rook-edgefs`): the Edge-X S3 services of the Rook EdgeFS guide on the
 *   region `Hawaii`, each with its efscli set-up and a Job running it in the EdgeFS toolbox image.
 *   The guide's `s3xCola` / `s3xPepsi` become `s3x-cola` / `s3x-pepsi` (Kubernetes names are
 *   lowercase; Rook's own guide renamed them so), and `s3x-pepsi` serves the tenant `Hawaii/Pepsi`,
 *   holding the bucket `Hawaii/Pepsi/bk1` (efscli serves an S3X service a whole tenant, not a bucket).
 * - `zenko-oob` (namespace `zenko`): the AWS location `my-aws` ingested hourly, and a second location
 *   ingested every day at 8 am, on a three-node (Compact) Zenko cluster.
 */
export function legacyPlatforms(scope: Construct): LegacyPlatformCharts {
  const edgefs = new Chart(scope, 'edgefs-hawaii', { namespace: 'rook-edgefs' });
  const toolbox = { image: 'edgefs/edgefs:1.2.117' };
  new S3XService(edgefs, 's3x-cola', {
    name: 's3x-cola',
    instances: 1,
    init: { tenant: 'Hawaii/Cola', buckets: ['Hawaii/Cola/bk1'], job: toolbox },
  });
  new S3XService(edgefs, 's3x-pepsi', {
    name: 's3x-pepsi',
    instances: 1,
    init: { tenant: 'Hawaii/Pepsi', buckets: ['Hawaii/Pepsi/bk1'], job: toolbox },
  });

  const zenko = new Chart(scope, 'zenko-oob', { namespace: 'zenko' });
  new CosmosLocation(zenko, 'my-aws', {
    locationName: 'my-aws',
    schedule: '@hourly',
    source: { bucket: 'aws-bucket-name', region: 'us-east-1' },
    destination: { bucket: 'aws-bucket-name' },
    zenkoNodeCount: 3,
  });
  new CosmosLocation(zenko, 'my-aws-daily', {
    locationName: 'my-aws-daily',
    schedule: '0 8 * * *',
    source: { bucket: 'aws-reports', region: 'us-east-1' },
    destination: { bucket: 'aws-reports' },
    zenkoNodeCount: 3,
  });
  return { edgefs, zenko };
}
