import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import { S3XService, type S3XServiceProps } from '../../lib/k8s/s3x-service';
import { ValidationError, formatProblem } from '../../lib/model';
import { type KubeObject, field, findAllByKind, findByKind, synthAndValidate } from '../support/manifests';

const base: S3XServiceProps = { name: 's3x-cola' };

function synth(props: Partial<S3XServiceProps> = {}): { service: S3XService; objects: KubeObject[] } {
  const chart = new Chart(Testing.app(), 'edgefs');
  const service = new S3XService(chart, 'Cola', { ...base, ...props });
  return { service, objects: synthAndValidate(chart) };
}

function s3x(props: Partial<S3XServiceProps> = {}): KubeObject {
  return findByKind(synth(props).objects, 'S3X', props.name ?? base.name);
}

function problems(props: Partial<S3XServiceProps>): string[] {
  try {
    new S3XService(new Chart(Testing.app(), 'edgefs'), 'Cola', { ...base, ...props });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('edgefs/Cola');
    return (error as ValidationError).problems.map(formatProblem);
  }
  throw new Error('expected a ValidationError');
}

const COLA_SCRIPT_STEPS = [
  "efscli_once 'Already initialized' system init -f",
  'efscli cluster show Hawaii >/dev/null 2>&1 || efscli cluster create Hawaii',
  'efscli tenant show Hawaii/Cola >/dev/null 2>&1 || efscli tenant create Hawaii/Cola',
  'efscli bucket show Hawaii/Cola/bk1 >/dev/null 2>&1 || efscli bucket create Hawaii/Cola/bk1',
  'efscli service show s3x-cola >/dev/null 2>&1 || efscli service create s3x s3x-cola',
  "efscli_once 'Export already exists' service serve s3x-cola Hawaii/Cola",
];

describe('S3XService', () => {
  it('renders only the S3X resource by default: rook-edgefs, one instance, the documented ports', () => {
    const { service, objects } = synth();
    expect(objects.map((object) => object.kind)).toEqual(['S3X']);
    expect(objects[0]).toEqual({
      apiVersion: 'edgefs.rook.io/v1',
      kind: 'S3X',
      metadata: { name: 's3x-cola', namespace: 'rook-edgefs' },
      spec: { instances: 1, port: 3000, securePort: 3001 },
    });
    expect(service.operatorServiceName).toBe('rook-edgefs-s3x-s3x-cola');
    expect(service.endpoint).toBe('http://rook-edgefs-s3x-s3x-cola.rook-edgefs.svc:3000');
    expect(service.initScript).toBeUndefined();
  });

  it('maps every spec prop to its S3X field', () => {
    const spec = s3x({
      namespace: 'edgefs',
      instances: 3,
      port: 8080,
      securePort: 8443,
      sslCertificateRef: 's3x-ssl-secret',
      serviceType: 'NodePort',
      externalPort: 30080,
      secureExternalPort: 30443,
      resources: {
        limits: { cpu: k8s.Quantity.fromString('2'), memory: k8s.Quantity.fromString('4Gi') },
        requests: { cpu: k8s.Quantity.fromString('500m') },
      },
      annotations: { 'example.com/owner': 'storage' },
      resourceProfile: 'embedded',
      chunkCacheSize: '1Gi',
    }).spec;
    expect(spec).toEqual({
      instances: 3,
      port: 8080,
      securePort: 8443,
      sslCertificateRef: 's3x-ssl-secret',
      serviceType: 'NodePort',
      externalPort: 30080,
      secureExternalPort: 30443,
      resources: { limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '500m' } },
      annotations: { 'example.com/owner': 'storage' },
      resourceProfile: 'embedded',
      chunkCacheSize: '1Gi',
    });
  });

  it('renders the placement: node affinity, tolerations, pod affinity and anti-affinity, spread', () => {
    const term = { labelSelector: { matchLabels: { app: 'rook-edgefs-s3x' } }, topologyKey: 'kubernetes.io/hostname' };
    const placement = s3x({
      placement: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'role', operator: 'In', values: ['s3x-node'] }] }],
          },
        },
        tolerations: [{ key: 's3x-node', operator: 'Exists' }],
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term }] },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
        ],
      },
    }).spec?.placement;
    expect(placement).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'role', operator: 'In', values: ['s3x-node'] }] }],
        },
      },
      tolerations: [{ key: 's3x-node', operator: 'Exists' }],
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term }] },
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
    });
  });

  it('renders the efscli set-up script in a ConfigMap, in the Rook guide order, before the S3X resource', () => {
    const { service, objects } = synth({ init: { tenant: 'Hawaii/Cola', buckets: ['Hawaii/Cola/bk1'] } });
    expect(objects.map((object) => object.kind)).toEqual(['ConfigMap', 'S3X']);
    const configMap = findByKind(objects, 'ConfigMap', 's3x-cola-edgefs-init');
    expect(configMap.metadata.namespace).toBe('rook-edgefs');
    const script = (configMap.data as Record<string, string>)['init.sh'];
    expect(script).toBe(service.initScript);
    const lines = String(script).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '#!/bin/sh',
      '# EdgeFS set-up of the S3X service s3x-cola',
      '# Rendered by bucketbridge. Every step is skipped when an earlier run did it, so the script can run again.',
      'set -eu',
    ]);
    expect(lines.filter((line) => /^efscli(_once)? /.test(line))).toEqual(COLA_SCRIPT_STEPS);
    expect(String(script).endsWith(`${COLA_SCRIPT_STEPS.at(-1)}\n`)).toBe(true);
    expect(findAllByKind(objects, 'Job')).toEqual([]);
  });

  it('leaves out system init when asked', () => {
    const { service } = synth({ init: { tenant: 'Hawaii/Cola', systemInit: false } });
    expect(service.initSteps?.map((step) => step.args.join(' '))).toEqual([
      'cluster create Hawaii',
      'tenant create Hawaii/Cola',
      'service create s3x s3x-cola',
      'service serve s3x-cola Hawaii/Cola',
    ]);
  });

  it('runs the script in a Job in the named toolbox image, on a cluster node with the data directory mounted', () => {
    const { objects } = synth({
      namespace: 'edgefs',
      init: {
        tenant: 'Hawaii/Cola',
        job: { image: 'edgefs/edgefs:1.2.117', dataDirHostPath: '/data/edgefs', hostNetwork: true, backoffLimit: 1, imagePullPolicy: 'Always', serviceAccountName: 'edgefs-admin' },
      },
    });
    expect(objects.map((object) => object.kind)).toEqual(['ConfigMap', 'Job', 'S3X']);
    const job = findByKind(objects, 'Job', 's3x-cola-edgefs-init');
    expect(job.spec).toEqual({
      backoffLimit: 1,
      template: {
        metadata: { labels: { app: 'bucketbridge-edgefs-init', edgefs_svcname: 's3x-cola' } },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: 'edgefs-admin',
          nodeSelector: { edgefs: 'cluster' },
          hostIPC: true,
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          containers: [
            {
              name: 'efscli',
              image: 'edgefs/edgefs:1.2.117',
              imagePullPolicy: 'Always',
              command: ['/bin/sh', '/opt/bucketbridge/init.sh'],
              securityContext: { runAsUser: 0 },
              volumeMounts: [
                { name: 'edgefs-datadir', mountPath: '/opt/nedge/etc.target', subPath: '.etc' },
                { name: 'edgefs-datadir', mountPath: '/opt/nedge/var/run', subPath: '.state' },
                { name: 'init-script', mountPath: '/opt/bucketbridge', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'edgefs-datadir', hostPath: { path: '/data/edgefs' } },
            { name: 'init-script', configMap: { name: 's3x-cola-edgefs-init', defaultMode: 0o555 } },
          ],
        },
      },
    });
  });

  it('defaults the Job to the operator service account, /var/lib/edgefs, the pod network and 3 retries', () => {
    const job = findByKind(synth({ init: { tenant: 'Hawaii/Cola', job: { image: 'edgefs/edgefs:1.2.117' } } }).objects, 'Job');
    expect(field(job, 'spec.backoffLimit')).toBe(3);
    expect(field(job, 'spec.template.spec.serviceAccountName')).toBe('rook-edgefs-cluster');
    expect(field(job, 'spec.template.spec.hostNetwork')).toBe(false);
    expect(field(job, 'spec.template.spec.dnsPolicy')).toBeUndefined();
    expect(field(job, 'spec.template.spec.nodeSelector')).toEqual({ 'rook-edgefs': 'cluster' });
    expect(field(job, 'spec.template.spec.volumes.0.hostPath.path')).toBe('/var/lib/edgefs');
    expect(field(job, 'spec.template.spec.containers.0.imagePullPolicy')).toBe('IfNotPresent');
  });

  it('fronts several instances with a sticky Service selecting the operator pod labels', () => {
    const { service, objects } = synth({ instances: 3, loadBalancing: { serviceType: 'LoadBalancer', annotations: { 'example.com/lb': 'internal' } } });
    expect(objects.map((object) => object.kind)).toEqual(['S3X', 'Service']);
    const lb = findByKind(objects, 'Service', 's3x-cola-lb');
    expect(lb.metadata.annotations).toEqual({ 'example.com/lb': 'internal' });
    expect(lb.spec).toEqual({
      type: 'LoadBalancer',
      selector: { app: 'rook-edgefs-s3x', rook_cluster: 'rook-edgefs', edgefs_svcname: 's3x-cola', edgefs_svctype: 's3x' },
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ports: [
        { name: 'http', port: 3000, targetPort: 'port', protocol: 'TCP' },
        { name: 'https', port: 3001, targetPort: 'secure-port', protocol: 'TCP' },
      ],
    });
    expect(service.loadBalancerService?.name).toBe('s3x-cola-lb');
  });

  it('adds an NGINX Ingress to the sticky Service that streams bodies and hashes clients to instances', () => {
    const { objects } = synth({
      instances: 2,
      loadBalancing: {
        serviceName: 'cola',
        sessionAffinityTimeoutSeconds: 600,
        ingress: { host: 's3x.example.com', tlsSecretName: 's3x-tls', className: 'nginx', annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600' } },
      },
    });
    expect(field(findByKind(objects, 'Service', 'cola'), 'spec.sessionAffinityConfig.clientIP.timeoutSeconds')).toBe(600);
    const ingress = findByKind(objects, 'Ingress', 'cola');
    expect(ingress.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/proxy-body-size': '0',
      'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/upstream-hash-by': '$remote_addr',
    });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['s3x.example.com'], secretName: 's3x-tls' }],
      rules: [
        {
          host: 's3x.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'cola', port: { name: 'http' } } } }] },
        },
      ],
    });
  });

  it('never writes key material: the TLS certificate is only a Secret name', () => {
    const { objects } = synth({ securePort: 443, sslCertificateRef: 's3x-ssl-secret', init: { tenant: 'Hawaii/Cola' } });
    expect(objects.some((object) => object.kind === 'Secret')).toBe(false);
    expect(JSON.stringify(objects)).not.toMatch(/BEGIN|PRIVATE KEY/);
    expect(field(s3x({ securePort: 443, sslCertificateRef: 's3x-ssl-secret' }), 'spec.sslCertificateRef')).toBe('s3x-ssl-secret');
  });

  it('fails on names Kubernetes or the operator cannot take, such as the seed s3xCola', () => {
    expect(problems({ name: 's3xCola', namespace: 'Rook_EdgeFS' })).toEqual([
      `'name' must be a lowercase DNS-1123 label of at most 47 characters (it names the S3X resource and the operator's rook-edgefs-s3x-<name> Service), got "s3xCola"`,
      `'namespace' must be a DNS-1123 label, got "Rook_EdgeFS"`,
    ]);
    expect(problems({ name: 'x'.repeat(48) })).toHaveLength(1);
  });

  it('fails on fewer than one instance', () => {
    expect(problems({ instances: 0 })).toEqual([`'instances' must be an integer of at least 1, got 0`]);
    expect(problems({ instances: 1.5 })).toEqual([`'instances' must be an integer of at least 1, got 1.5`]);
  });

  it('fails on ports out of range, equal, or taken by the gRPC and s3-proxy ports of the pod', () => {
    expect(problems({ port: 0, securePort: 70000, sslCertificateRef: 'tls' })).toEqual([
      `'port' must be an integer from 1 to 65535, got 0`,
      `'securePort' must be an integer from 1 to 65535, got 70000`,
    ]);
    expect(problems({ port: 3001 })).toEqual([`'securePort' must differ from port 3001, got 3001`]);
    expect(problems({ port: 49000, securePort: 9982, sslCertificateRef: 'tls' })).toEqual([
      `'port' must not be 49000, the gRPC port of every S3X pod, got 49000`,
      `'securePort' must not be 9982, the s3-proxy sidecar's port of every S3X pod, got 9982`,
    ]);
  });

  it('fails on node ports without a NodePort or LoadBalancer service, or equal', () => {
    expect(problems({ externalPort: 30080 })).toEqual([`'externalPort' needs serviceType NodePort or LoadBalancer, got 30080`]);
    expect(problems({ serviceType: 'NodePort', externalPort: 30080, secureExternalPort: 30080, sslCertificateRef: 'tls' })).toEqual([
      `'secureExternalPort' must differ from externalPort, got 30080`,
    ]);
    expect(problems({ serviceType: 'LoadBalancer', externalPort: -1 })).toEqual([`'externalPort' must be an integer from 1 to 65535, got -1`]);
  });

  it('fails when a secure port is requested without a TLS Secret reference', () => {
    const rule = `'sslCertificateRef' must be set when securePort or secureExternalPort is set: name the Secret with the TLS certificate, got undefined`;
    expect(problems({ securePort: 443 })).toEqual([rule]);
    expect(problems({ serviceType: 'NodePort', secureExternalPort: 30443 })).toEqual([rule]);
    expect(problems({ sslCertificateRef: '-----BEGIN PRIVATE KEY-----' })).toEqual([
      `'sslCertificateRef' must be the name of a Secret, got "-----BEGIN PRIVATE KEY-----"`,
    ]);
  });

  it('fails on a chunk cache size that is not a quantity', () => {
    expect(problems({ chunkCacheSize: '1 GB' })).toEqual([`'chunkCacheSize' must be a Kubernetes quantity such as 1Gi, got "1 GB"`]);
  });

  it('fails on a set-up that serves a bucket path, as the seed s3xPepsi on Hawaii/Pepsi/bk1 does', () => {
    expect(problems({ name: 's3x-pepsi', init: { tenant: 'Hawaii/Pepsi/bk1' } })).toEqual([
      `'init.tenant' must be a Region/Tenant path (efscli serves an S3X service a whole tenant) of EdgeFS names (letters, digits, ".", "_", "-"), got "Hawaii/Pepsi/bk1"`,
    ]);
    expect(problems({ init: { tenant: 'Hawaii/Cola', buckets: ['Hawaii/Pepsi/bk1'] } })).toEqual([
      `'init.buckets[0]' must be in the served tenant Hawaii/Cola, got "Hawaii/Pepsi/bk1"`,
    ]);
  });

  it('fails on a Job without a usable image, data path, account or retry count', () => {
    const job = { image: 'edgefs/edgefs latest', dataDirHostPath: 'var/lib/edgefs', serviceAccountName: 'Admin', backoffLimit: -1 };
    expect(problems({ init: { tenant: 'Hawaii/Cola', job } })).toEqual([
      `'init.job.image' must be an image reference, got "edgefs/edgefs latest"`,
      `'init.job.dataDirHostPath' must be an absolute path, got "var/lib/edgefs"`,
      `'init.job.serviceAccountName' must be a ServiceAccount name, got "Admin"`,
      `'init.job.backoffLimit' must be an integer of at least 0, got -1`,
    ]);
  });

  it('fails on a load balancer Service or Ingress Kubernetes would refuse', () => {
    expect(
      problems({
        loadBalancing: { serviceName: 'Cola_LB', sessionAffinityTimeoutSeconds: 0, ingress: { host: 'S3X example', tlsSecretName: 'TLS' } },
      }),
    ).toEqual([
      `'loadBalancing.serviceName' must be a DNS-1123 label, got "Cola_LB"`,
      `'loadBalancing.sessionAffinityTimeoutSeconds' must be an integer from 1 to 86400, got 0`,
      `'loadBalancing.ingress.host' must be a DNS name, got "S3X example"`,
      `'loadBalancing.ingress.tlsSecretName' must be a Secret name, got "TLS"`,
    ]);
  });

  it('gathers every problem into one error', () => {
    expect(problems({ name: 'S3X', instances: 0, securePort: 3000, chunkCacheSize: 'lots' })).toHaveLength(5);
  });
});
