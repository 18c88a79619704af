// Bundles the copy engine's CLI into build/engine/, the only code the runtime image carries:
// bucketbridge.cjs (the entry) and s3-sdk.cjs, @aws-sdk/client-s3, which the engine imports only
// when a sync deletes (DeleteObjects); copies, multipart and tags included, use plain signed HTTP.
// Kept apart so that V8 does not parse it at every start-up. pino is used with a synchronous
// destination (no transports), so no worker file has to ship.
import { build } from 'esbuild';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

const entry = 'lib/engine/cli.ts';
const outdir = 'build/engine';
const outfile = `${outdir}/bucketbridge.cjs`;
const sdkFile = 's3-sdk.cjs';
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

// esbuild keeps the entry's own hashbang; add one only when it has none.
const hashbang = readFileSync(entry, 'utf8').startsWith('#!');
// As a require(), so that the SDK's named exports reach the engine as they would unbundled.
await build({ ...common, entryPoints: [entry], outfile, plugins, supported: { 'dynamic-import': false }, banner: hashbang ? {} : { js: '#!/usr/bin/env node' } });
await build({
  ...common,
  stdin: { contents: "module.exports = require('@aws-sdk/client-s3');", resolveDir: process.cwd(), sourcefile: sdkFile, loader: 'js' },
  outfile: `${outdir}/${sdkFile}`,
});
chmodSync(outfile, 0o755);
for (const file of [outfile, `${outdir}/${sdkFile}`]) console.log(`${file}: ${(statSync(file).size / 1024).toFixed(0)} KiB`);
