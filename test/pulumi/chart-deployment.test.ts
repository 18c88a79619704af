import { App, Chart, ApiObject } from 'cdk8s';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findByKind, installMocks, settle, type MockState } from './mocks';

let state: MockState;
let k8s: typeof import('@pulumi/kubernetes');
let ChartDeployment: typeof import('../../lib/pulumi/chart-deployment').ChartDeployment;

beforeAll(async () => {
  state = await installMocks();
  k8s = await import('@pulumi/kubernetes');
  ({ ChartDeployment } = await import('../../lib/pulumi/chart-deployment'));
});

afterEach(() => {
  expect(state.unknown).toEqual([]);
});

describe('ChartDeployment', () => {
  it("applies exactly the chart's objects to the given cluster through a yaml/v2 ConfigGroup", async () => {
    const chart = new Chart(new App(), 'on-prem', { namespace: 's3-replicator' });
    new ApiObject(chart, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'replicator' }, data: { a: '1' } });
    new ApiObject(chart, 'sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'replicator' } });
    const provider = new k8s.Provider('on-prem-cluster', {});

    new ChartDeployment('on-prem', { chart, provider });
    await settle(state);

    const group = findByKind(state, 'kubernetes:yaml/v2:ConfigGroup', 'on-prem-objects');
    expect(group.provider).toBe('on-prem-cluster');
    expect(group.inputs.objs).toEqual(chart.toJson());
    expect((group.inputs.objs as { kind: string; metadata: { namespace: string } }[]).map((o) => [o.kind, o.metadata.namespace])).toEqual([
      ['ConfigMap', 's3-replicator'],
      ['ServiceAccount', 's3-replicator'],
    ]);
  });
});
