// Bundles the copy engine's CLI (lib/engine/cli.ts, the AWS SDK included) into one file,
// build/engine/bucketbridge.cjs, the only code the runtime image carries (see the Dockerfile).
// pino is used with a synchronous destination (no transports), so no worker file has to ship.
import { build } from 'esbuild';
import { chmodSync, existsSync, rmSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

const outdir = 'build/engine';
const outfile = `${outdir}/bucketbridge.cjs`;
const modelDir = resolve('lib/model') + sep;

// Files an earlier build layout left behind would ship with the image.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: ['lib/engine/cli.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Error classes are told apart by name in logs and metrics; minification must not rename them.
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
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
  ],
});
chmodSync(outfile, 0o755);
console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
