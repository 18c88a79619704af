import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
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
});
