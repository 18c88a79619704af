// A cdk8s user's app: bucketbridge with cdk8s, cdk8s-plus-28 and constructs only.
'use strict';
const assert = require('node:assert/strict');
const { App, Testing } = require('cdk8s');
const { CephMultisite } = require('bucketbridge/k8s');

const zones = [
  { name: 'site-a', master: true, endpoints: ['https://s3.site-a.example.com'] },
  { name: 'site-b', endpoints: ['https://s3.site-b.example.com'], pullEndpoint: 'https://s3.site-a.example.com' },
];
const props = { realmName: 'realm', zoneGroupName: 'group', objectStoreName: 'store', zones };

const app = new App({ outdir: process.argv[2] });
new CephMultisite(app, 'multisite', props);
app.synth();
const kinds = app.charts.flatMap((chart) => Testing.synth(chart).map((o) => o.kind));
for (const kind of ['CephObjectRealm', 'CephObjectZoneGroup', 'CephObjectZone', 'CephObjectStore']) {
  assert.ok(kinds.includes(kind), `bucketbridge/k8s synthesized no ${kind} (got ${kinds.join(', ')})`);
}

// The root entry re-exports the model and bucketbridge/k8s.
assert.equal(typeof require('bucketbridge').CephMultisite, 'function');
assert.equal(typeof require('bucketbridge/model').ValidationError, 'function');

// Entry points whose peers this user did not install fail in one line naming them.
assert.throws(() => require('bucketbridge/pulumi'), {
  message: 'bucketbridge/pulumi needs the optional peer dependencies @pulumi/pulumi, @pulumi/aws: npm install @pulumi/pulumi @pulumi/aws',
});
assert.throws(() => require('bucketbridge/engine'), {
  message: 'bucketbridge/engine needs the optional peer dependencies @aws-sdk/client-s3, @aws-sdk/credential-providers, @smithy/node-http-handler: npm install @aws-sdk/client-s3 @aws-sdk/credential-providers @smithy/node-http-handler',
});

// Issue 23: a secondary zone with no endpoint the other clusters can reach is rejected, naming
// the zone (the CephMultisite fix; this fails until that fix is merged).
assert.throws(
  () => new CephMultisite(new App({ outdir: process.argv[2] }), 'unreachable', {
    ...props,
    zones: [zones[0], { name: 'site-b', pullEndpoint: 'https://s3.site-a.example.com' }],
  }),
  (err) => err.name === 'ValidationError' && err.message.includes('site-b'),
  'a secondary zone without endpoints synthesized without a word',
);
console.log('bucketbridge/k8s: synthesized', kinds.length, 'objects through the packed tarball');
