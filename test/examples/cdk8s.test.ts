import { App, Chart, Testing } from 'cdk8s';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacyPlatforms } from '../../examples/cdk8s/legacy-platforms';
import { rciisCamelReplicator, rciisNativeReplicator } from '../../examples/cdk8s/rciis-camel-replicator';
import { rciisMultisite } from '../../examples/cdk8s/rciis-multisite';
import { field, findAllByKind, findByKind, synthAndValidate } from '../support/manifests';

describe('examples/cdk8s', () => {
  it('renders the runbook clusters site-a and site-b, every object valid against its upstream schema', () => {
    const app = Testing.app();
    const multisite = rciisMultisite(app);
    const charts = multisite.node.children.filter((child): child is Chart => child instanceof Chart);
    expect(charts.map((chart) => chart.node.id)).toEqual(['site-a', 'site-b']);
    const [siteA, siteB] = charts.map((chart) => synthAndValidate(chart));
    expect(findByKind(siteA ?? [], 'CephObjectZone', 'site-a').spec).toMatchObject({ zoneGroup: 'rciis-sites' });
    expect(findByKind(siteB ?? [], 'CephObjectRealm', 'rciis').spec).toEqual({
      pull: { endpoint: 'https://s3.site-a.example.com' },
    });
  });

  it('renders the runbook On-Prem <-> AWS replicators, every object and flow valid against its upstream schema', () => {
    const app = Testing.app();
    rciisCamelReplicator(app);
    const charts = app.node.children.filter((child): child is Chart => child instanceof Chart);
    expect(charts.map((chart) => chart.node.id)).toEqual(['s3-replicator-on-prem', 's3-replicator-aws']);
    const [onPrem, aws] = charts.map((chart) => synthAndValidate(chart));
    expect(findByKind(onPrem ?? [], 'Integration', 'ceph-to-aws-replicator').metadata.namespace).toBe('s3-replicator');
    expect(findByKind(aws ?? [], 'Integration', 'aws-to-ceph-replicator').spec).toMatchObject({
      flows: [{ route: { from: { uri: 'aws2-sqs:rciis-s3-replication-events' } } }, {}, {}, {}],
    });
  });

  it('renders the same replicators on the native engine under their own chart ids, every object valid against its upstream schema', () => {
    const app = Testing.app();
    rciisNativeReplicator(app);
    const charts = app.node.children.filter((child): child is Chart => child instanceof Chart);
    expect(charts.map((chart) => chart.node.id)).toEqual(['s3-replicator-native-on-prem', 's3-replicator-native-aws']);
    const [onPrem, aws] = charts.map((chart) => synthAndValidate(chart));
    expect(findAllByKind(onPrem ?? [], 'Integration')).toEqual([]);
    expect(field(findByKind(onPrem ?? [], 'Deployment', 'ceph-to-aws-replicator'), 'spec.template.spec.containers.0.image')).toBe('registry.example.com/bucketbridge:0.1.0');
    expect(findByKind(onPrem ?? [], 'CephBucketTopic', 'ceph-bucket-notifications').spec).toMatchObject({
      endpoint: { kafka: { uri: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9092' } },
    });
    expect(String((findByKind(aws ?? [], 'ConfigMap', 'aws-to-ceph-replicator-config').data as Record<string, string>)['replicate.yaml'])).toContain(
      'queueUrl: https://sqs.af-south-1.amazonaws.com/123456789012/rciis-s3-replication-events\n',
    );
  });

  it('cdk8s synth writes one file per cluster, named after the construct path (what .ci/run and the docs expect)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'bucketbridge-synth-'));
    try {
      const app = new App({ outdir });
      rciisMultisite(app);
      app.synth();
      expect(readdirSync(outdir).sort()).toEqual(['rciis-site-a-c847d0e5.k8s.yaml', 'rciis-site-b-c888d9f3.k8s.yaml']);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('renders the legacy platforms of the seeds, every object valid against its upstream schema and ours', () => {
    const app = Testing.app();
    const { edgefs, zenko } = legacyPlatforms(app);
    expect([edgefs.node.id, zenko.node.id]).toEqual(['edgefs-hawaii', 'zenko-oob']);
    const edgefsObjects = synthAndValidate(edgefs);
    expect(findAllByKind(edgefsObjects, 'S3X').map((s3x) => [s3x.metadata.name, s3x.metadata.namespace, s3x.spec])).toEqual([
      ['s3x-cola', 'rook-edgefs', { instances: 1, port: 3000, securePort: 3001 }],
      ['s3x-pepsi', 'rook-edgefs', { instances: 1, port: 3000, securePort: 3001 }],
    ]);
    const script = (name: string) => String((findByKind(edgefsObjects, 'ConfigMap', `${name}-edgefs-init`).data as Record<string, string>)['init.sh']);
    expect(script('s3x-cola')).toContain('efscli bucket show Hawaii/Cola/bk1 >/dev/null 2>&1 || efscli bucket create Hawaii/Cola/bk1\n');
    expect(script('s3x-cola')).toContain("efscli_once 'Export already exists' service serve s3x-cola Hawaii/Cola\n");
    expect(script('s3x-pepsi')).toContain('efscli bucket show Hawaii/Pepsi/bk1 >/dev/null 2>&1 || efscli bucket create Hawaii/Pepsi/bk1\n');
    expect(script('s3x-pepsi')).toContain("efscli_once 'Export already exists' service serve s3x-pepsi Hawaii/Pepsi\n");
    expect(findAllByKind(edgefsObjects, 'Job').map((job) => field(job, 'spec.template.spec.containers.0.image'))).toEqual([
      'edgefs/edgefs:1.2.117',
      'edgefs/edgefs:1.2.117',
    ]);
    const zenkoObjects = synthAndValidate(zenko);
    expect(findAllByKind(zenkoObjects, 'Cosmos').map((cosmos) => [cosmos.metadata.name, field(cosmos, 'spec.rclone.schedule')])).toEqual([
      ['my-aws', '@hourly'],
      ['my-aws-daily', '0 8 * * *'],
    ]);
  });
});
