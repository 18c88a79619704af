// Bundles the copy engine's CLI into build/engine/, the only code the runtime image carries:
// - bucketbridge.cjs, the entry: lib/engine/launcher.ts, which runs engine.cjs from V8's code cache;
// - engine.cjs, the CLI (lib/engine/cli.ts), and engine.cjs.v8-cache, made by this Node.js running
//   `--help` (a runtime image with another Node.js makes its own, see the Dockerfile);
// - s3-sdk.cjs, @aws-sdk/client-s3, which the engine imports only when a sync deletes
//   (DeleteObjects); copies, multipart and tags included, use plain signed HTTP. Kept apart so that
//   V8 does not parse it at every start-up.
// pino is used with a synchronous destination (no transports), so no worker file has to ship.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

const entry = 'lib/engine/cli.ts';
const outdir = 'build/engine';
const launcherFile = `${outdir}/bucketbridge.cjs`;
const engineFile = `${outdir}/engine.cjs`;
const cacheFile = `${outdir}/engine.cjs.v8-cache`;
const sdkFile = 's3-sdk.cjs';
// The bucket locks and @kubernetes/client-node, loaded only by runs given --lock-namespace.
const locksFile = 'locks.cjs';
const modelDir = resolve('lib/model') + sep;

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // No `module` condition: @smithy/core would otherwise resolve to its ES build, hundreds of
  // small modules that the signer's require() initialises at start-up.
  conditions: [],
  minify: true,
  // Error classes are told apart by name in logs and metrics; minification must not rename them.
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
};

const plugins = [
  {
    // The engine's dynamic import() of the SDK becomes a require() of the file next to the entry.
    name: 'sdk-beside-entry',
    setup(b) {
      b.onResolve({ filter: /^@aws-sdk\/client-s3$/ }, (args) => (args.kind === 'dynamic-import' ? { path: `./${sdkFile}`, external: true } : undefined));
    },
  },
  {
    // Likewise the CLI's dynamic import() of the bucket locks (and their Kubernetes client).
    name: 'locks-beside-entry',
    setup(b) {
      b.onResolve({ filter: /^\.\/locks\/run-locks$/ }, (args) => (args.kind === 'dynamic-import' ? { path: `./${locksFile}`, external: true } : undefined));
    },
  },
  {
    // lib/model is pure (no module-level side effects), so modules of it the engine does not use,
    // such as the manifest validator with ajv and js-yaml, are left out instead of initialised.
    name: 'model-is-pure',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        if (!path.startsWith(modelDir)) return undefined;
        const file = [path, `${path}.ts`, `${path}/index.ts`].find((p) => existsSync(p) && statSync(p).isFile());
        return file === undefined ? undefined : { path: file, sideEffects: false };
      });
    },
  },
];

// The engine's dynamic import() of the SDK becomes a require(), so that the SDK's named exports
// reach the engine as they would unbundled.
await build({ ...common, entryPoints: [entry], outfile: engineFile, plugins, supported: { 'dynamic-import': false } });
await build({
  ...common,
  stdin: { contents: "require('./lib/engine/launcher').launch(__dirname);", resolveDir: process.cwd(), sourcefile: 'bucketbridge.cjs', loader: 'js' },
  outfile: launcherFile,
  banner: { js: '#!/usr/bin/env node' },
});
await build({
  ...common,
  stdin: { contents: "module.exports = require('@aws-sdk/client-s3');", resolveDir: process.cwd(), sourcefile: sdkFile, loader: 'js' },
  outfile: `${outdir}/${sdkFile}`,
});
await build({ ...common, entryPoints: ['lib/engine/locks/run-locks.ts'], outfile: `${outdir}/${locksFile}`, plugins });
chmodSync(launcherFile, 0o755);
// A cache of an earlier engine.cjs would only be rejected; make the one for this build.
rmSync(cacheFile, { force: true });
execFileSync(process.execPath, [launcherFile, '--help'], { env: { ...process.env, BUCKETBRIDGE_WRITE_CODE_CACHE: '1' }, stdio: 'ignore' });
for (const file of [launcherFile, engineFile, cacheFile, `${outdir}/${sdkFile}`, `${outdir}/${locksFile}`]) console.log(`${file}: ${(statSync(file).size / 1024).toFixed(0)} KiB`);
