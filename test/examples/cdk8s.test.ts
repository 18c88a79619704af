import { App, Chart, Testing } from 'cdk8s';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rciisMultisite } from '../../examples/cdk8s/rciis-multisite';
import { findByKind, synthAndValidate } from '../support/manifests';

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
});
