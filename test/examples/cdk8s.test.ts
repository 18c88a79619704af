import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { rciisCamelReplicator } from '../../examples/cdk8s/rciis-camel-replicator';
import { rciisMultisite } from '../../examples/cdk8s/rciis-multisite';
import { findByKind, synthAndValidate } from '../support/manifests';

describe('examples/cdk8s', () => {
  it('renders the runbook clusters site-a and site-b, every object valid against its upstream schema', () => {
    const app = Testing.app();
    rciisMultisite(app);
    const charts = app.node.children.filter((child): child is Chart => child instanceof Chart);
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
});
