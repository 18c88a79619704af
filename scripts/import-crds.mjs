// Regenerates imports/ with `cdk8s import` from the upstream CRD files, offline.
// The CRD directory is ../shared/crds beside the repository unless BUCKETBRIDGE_CRDS_DIR names another.
// All CRD documents are imported in one run so that files sharing an API group (the three
// Prometheus Operator CRDs, Strimzi's topic and user) land in one module per group.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crdsDir = resolve(process.env.BUCKETBRIDGE_CRDS_DIR ?? join(root, '..', 'shared', 'crds'));

// One release per API group/kind: the newest that still serves the group the project targets.
const files = [
  'rook-ceph.crds.yaml', // ceph.rook.io, objectbucket.io
  'rook-edgefs.crds.yaml', // edgefs.rook.io (apiextensions v1beta1)
  'camel-k.integrations.crd.yaml',
  'prometheus-operator.prometheusrules.crd.yaml',
  'prometheus-operator.podmonitors.crd.yaml',
  'prometheus-operator.servicemonitors.crd.yaml',
  'strimzi-1.2.0.kafkatopic.crd.yaml',
  'strimzi-1.2.0.kafkauser.crd.yaml',
  'bucket-sync.homelab-helper.v10.2.5.crds.yaml',
  'zenko-cosmos.crd.yaml',
];

const crds = files.flatMap((file) =>
  yaml
    .loadAll(readFileSync(join(crdsDir, file), 'utf8'))
    .filter((doc) => doc && doc.kind === 'CustomResourceDefinition'),
);

// json2jsii renders a property named with a leading digit as an invalid identifier (Camel K's
// deprecated `3scale` trait becomes `readonly 3Scale`). Such properties are left out of the types.
const dropped = [];
function dropUnrenderableProperties(schema, path) {
  if (Array.isArray(schema)) return schema.forEach((item, i) => dropUnrenderableProperties(item, `${path}[${i}]`));
  if (!schema || typeof schema !== 'object') return;
  if (schema.properties && typeof schema.properties === 'object') {
    for (const name of Object.keys(schema.properties)) {
      if (/^[0-9]/.test(name)) {
        delete schema.properties[name];
        dropped.push(`${path}.${name}`);
      }
    }
  }
  for (const [key, value] of Object.entries(schema)) dropUnrenderableProperties(value, `${path}.${key}`);
}
for (const crd of crds) dropUnrenderableProperties(crd.spec, crd.metadata.name);

const work = mkdtempSync(join(tmpdir(), 'bucketbridge-import-'));
try {
  const bundle = join(work, 'crds.yaml');
  writeFileSync(bundle, crds.map((doc) => yaml.dump(doc, { noRefs: true })).join('---\n'));
  rmSync(join(root, 'imports'), { recursive: true, force: true });
  execFileSync(
    join(root, 'node_modules', '.bin', 'cdk8s'),
    ['import', bundle, '--language', 'typescript', '--output', 'imports', '--no-save', '--no-check-upgrade'],
    { cwd: root, stdio: 'inherit' },
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
for (const path of dropped) console.log(`left out of the types (name starts with a digit): ${path}`);
console.log(`imported ${crds.length} CRDs from ${crdsDir}`);
