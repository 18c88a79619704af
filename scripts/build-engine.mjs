// Bundles the copy engine's CLI into one CommonJS file, the only code the runtime image carries.
// pino is used with a synchronous destination (no transports), so no worker file has to ship.
import { build } from 'esbuild';
import { chmodSync, readFileSync, statSync } from 'node:fs';

const entry = 'lib/engine/cli.ts';
const outfile = 'build/engine/bucketbridge.cjs';
// esbuild keeps the entry's own hashbang; add one only when it has none.
const hashbang = readFileSync(entry, 'utf8').startsWith('#!');
await build({
  entryPoints: [entry],
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
  banner: hashbang ? {} : { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
