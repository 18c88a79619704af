// An engine user's app: bucketbridge with @aws-sdk/client-s3, @aws-sdk/credential-providers and @smithy/node-http-handler only.
'use strict';
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');

const engine = require('bucketbridge/engine');
assert.equal(typeof engine.SyncEngine, 'function');
const help = execFileSync('node_modules/.bin/bucketbridge', ['--help'], { encoding: 'utf8' });
assert.match(help, /copy/);
assert.throws(() => require('bucketbridge/pulumi'), { message: /^bucketbridge\/pulumi needs the optional peer dependencies/ });
console.log('bucketbridge/engine: the library and the bucketbridge command run from the packed tarball');
