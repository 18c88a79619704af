import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ENGINE_POD_SECURITY_CONTEXT, engineContainer, engineServiceAccount, engineVolumes } from '../../lib/k8s/engine-pod';
import { findByKind, synthAndValidate } from '../support/manifests';

describe('engine pod shape', () => {
  it('hardens the container as the Restricted pod security standard asks, with /tmp writable and quantities for resources', () => {
    const container = engineContainer({
      name: 'replicate',
      image: 'registry.example.com/bucketbridge:0.1.0',
      args: ['replicate'],
      env: [{ name: 'A', value: 'b' }],
      resources: { requests: { cpu: '100m', memory: undefined }, limits: { memory: '1Gi' } },
      volumeMounts: [{ name: 'config', mountPath: '/etc/bucketbridge' }],
    });
    const { resources, ...rest } = container;
    const values = (q: Record<string, { value: unknown }> | undefined) => Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));
    expect({ requests: values(resources?.requests), limits: values(resources?.limits) }).toEqual({ requests: { cpu: '100m' }, limits: { memory: '1Gi' } });
    expect(rest).toEqual({
      name: 'replicate',
      image: 'registry.example.com/bucketbridge:0.1.0',
      args: ['replicate'],
      env: [{ name: 'A', value: 'b' }],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/bucketbridge' }],
    });
    expect(ENGINE_POD_SECURITY_CONTEXT).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(engineVolumes()).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  it('annotates the ServiceAccount with the IRSA role only when there is one, keeping other annotations', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'ns' });
    engineServiceAccount(chart, 'Irsa', {
      metadata: { name: 'irsa', annotations: { team: 'storage' } },
      irsaRoleArn: 'arn:aws:iam::123456789012:role/r',
      automountServiceAccountToken: true,
    });
    engineServiceAccount(chart, 'Plain', { metadata: { name: 'plain' }, automountServiceAccountToken: false });
    const objects = synthAndValidate(chart);
    expect(findByKind(objects, 'ServiceAccount', 'irsa')).toMatchObject({
      metadata: { annotations: { team: 'storage', 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/r' } },
      automountServiceAccountToken: true,
    });
    const plain = findByKind(objects, 'ServiceAccount', 'plain');
    expect(plain.metadata.annotations).toBeUndefined();
    expect(plain).toMatchObject({ automountServiceAccountToken: false });
  });
});
