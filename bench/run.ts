/**
 * npm run bench: bucketbridge sync (the bundle the image runs, on the image's Node.js) against
 * rclone sync and aws s3 sync on the lab's Ceph RGW, with the gateway's raw rate (plain SDK loops)
 * as the ceiling.
 *
 * Every tool copies bucket to bucket on the same gateway with the same credentials, into a fresh
 * empty bucket, so each uses server-side copy (CopyObject): rclone and aws do, and so does
 * bucketbridge when one set of credentials reaches both buckets. The ceilings are therefore both a
 * raw PutObject loop (what the issue asks for) and a raw CopyObject loop (the same work the tools do).
 *
 * Every measurement is repeated BENCH_REPEAT times (default 3), the tools taking turns within each
 * round so that the gateway's slow drifts (RocksDB compaction, the OSD's cache) fall on all of
 * them alike, in a balanced order (`balancedOrder`): from pass to pass each tool takes each place
 * and follows each other tool, instead of always following the same one. The table gives the
 * median wall time of each, with the range. Server-side copies of the 16 large objects last under
 * half a second, within the machine's noise from one run to the next, so each round copies them
 * once per row of the balanced order with every tool and the raw copy loop (4 times for the four).
 * Each dataset starts on a compacted OSD database (`cephlab.sh compact`).
 *
 * Environment: BENCH_CONCURRENCY (default 16), BENCH_REPEAT (default 3) and the lab's own
 * (CEPHLAB_PORT, CEPHLAB_DIR).
 * The 100,000-object buckets of the no-op dataset are kept between runs (seeding takes minutes);
 * `bash scripts/cephlab.sh wipe` frees them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { removeBucket } from '../test/support/buckets';
import { balancedOrder, balancedRows } from './order';
import { client, createBucket, Credentials, inventory } from './s3';

const repo = path.resolve(__dirname, '..');
const work = path.join(repo, '.bench');
const N = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const run = Date.now().toString(36);

interface Measured {
  seconds: number;
  /** User plus system CPU time of the tool's process (GNU time's %U + %S): robust on a loaded machine, unlike wall time. */
  cpuSeconds: number;
  rssMiB: number;
  stdout: string;
  ok: boolean;
  note: string;
}

interface Row {
  dataset: string;
  tool: string;
  objects: number;
  bytes: number;
  runs: Measured[];
}

/** `items` in the order of pass `pass` (see `balancedOrder`). */
function inTurn<T>(items: readonly T[], pass: number): T[] {
  return balancedOrder(items.length, pass).map((i) => items[i]!);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

/** A row's runs as one: the median wall and CPU times, the highest peak RSS, failed if any run failed. */
function summary(runs: Measured[]): Measured & { minSeconds: number; maxSeconds: number } {
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const failed = runs.filter((r) => !r.ok);
  return {
    seconds: median(seconds),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    minSeconds: seconds[0] ?? 0,
    maxSeconds: seconds[seconds.length - 1] ?? 0,
    rssMiB: Math.max(...runs.map((r) => r.rssMiB)),
    stdout: runs.map((r) => r.stdout.trim().split('\n').pop() ?? '').join('\n'),
    ok: failed.length === 0,
    note: failed.map((r) => r.note).join('; '),
  };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Runs a command under GNU time for its peak RSS and CPU time; wall time is measured here. */
async function measure(command: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const timeFile = path.join(work, 'time.txt');
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, ...command], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The last line: GNU time writes "Command exited with non-zero status" before it on a failure.
  const [rssKiB = 0, user = 0, system = 0] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds, cpuSeconds: user + system, rssMiB: rssKiB / 1024, stdout, ok: code === 0, note: code === 0 ? '' : `exit ${code}` };
}

function labCredentials(): { main: Credentials; alt: Credentials } {
  execFileSync('bash', [path.join(repo, 'scripts/cephlab.sh'), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = execFileSync('bash', [path.join(repo, 'scripts/cephlab.sh'), 'env'], { encoding: 'utf8' });
  const vars = new Map([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const get = (n: string): string => vars.get(n) ?? '';
  const main = {
    endpoint: get('BUCKETBRIDGE_TEST_S3_ENDPOINT'),
    region: get('BUCKETBRIDGE_TEST_S3_REGION'),
    accessKeyId: get('BUCKETBRIDGE_TEST_S3_ACCESS_KEY_ID'),
    secretAccessKey: get('BUCKETBRIDGE_TEST_S3_SECRET_ACCESS_KEY'),
  };
  return {
    main,
    alt: { ...main, accessKeyId: get('CEPHLAB_ALT_ACCESS_KEY_ID'), secretAccessKey: get('CEPHLAB_ALT_SECRET_ACCESS_KEY') },
  };
}

function rcloneEnv(remote: string, c: Credentials): Record<string, string> {
  const p = `RCLONE_CONFIG_${remote}_`;
  return {
    [`${p}TYPE`]: 's3',
    [`${p}PROVIDER`]: 'Ceph',
    [`${p}ENDPOINT`]: c.endpoint,
    [`${p}REGION`]: c.region,
    [`${p}ACCESS_KEY_ID`]: c.accessKeyId,
    [`${p}SECRET_ACCESS_KEY`]: c.secretAccessKey,
  };
}

function awsEnv(c: Credentials): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: c.endpoint,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_REGION: c.region,
    AWS_DEFAULT_REGION: c.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

/**
 * The environment every child gets: ours without AWS_CA_BUNDLE (it breaks rclone 1.60, pitfall 15),
 * without NODE_EXTRA_CA_CERTS, and without the SDK's notice about Node 20 support on every raw
 * loop's stderr. This machine sets NODE_EXTRA_CA_CERTS to the system's CA bundle for every process,
 * which makes each Node.js process parse it at start, before any JavaScript runs: 110 ms for
 * `node -e 0` against 40 ms without. The lab gateway is plain HTTP and the image does not set it.
 */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
  delete env.AWS_CA_BUNDLE;
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

interface Tool {
  name: string;
  command(src: string, dst: string): string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The engine as the image runs it: the image's Node.js (scripts/image-node.sh, kept in .bench/node)
 * running a copy of the bundle.
 */
function imageEngine(): { version: string; engine: (...args: string[]) => string[] } {
  const node = execFileSync('bash', [path.join(repo, 'scripts/image-node.sh'), path.join(work, 'node')], { encoding: 'utf8' }).trim();
  const dir = path.join(work, 'engine');
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(repo, 'build/engine'), dir, { recursive: true });
  const bundle = path.join(dir, 'bucketbridge.cjs');
  /** The command line that runs the engine with `args`. */
  const engine = (...args: string[]): string[] => [node, bundle, ...args];
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  log(`the engine runs on Node.js ${version} (${node}), as in the image`);
  return { version, engine };
}

function tools(c: Credentials, engine: (...args: string[]) => string[]): Tool[] {
  const awsConfig = path.join(work, 'aws-config');
  // awscli's documented S3 transfer settings; its concurrency is max_concurrent_requests.
  writeFileSync(
    awsConfig,
    `[default]\nregion = ${c.region}\ns3 =\n  max_concurrent_requests = ${N}\n  max_queue_size = 10000\n  addressing_style = path\n`,
  );
  return [
    {
      name: 'bucketbridge',
      command: (src, dst) => engine('sync', `CEPH:${src}`, `CEPH:${dst}`, '--transfers', `${N}`, '--checkers', `${N}`, '--json'),
      env: baseEnv(rcloneEnv('CEPH', c)),
    },
    {
      // rclone's S3 docs: --fast-list lists with fewer requests; --checksum compares size + MD5
      // (the ETag) and so avoids a HEAD per object for the modification time.
      name: 'rclone',
      command: (src, dst) =>
        ['rclone', 'sync', `CEPH:${src}`, `CEPH:${dst}`, '--transfers', `${N}`, '--checkers', `${N}`, '--fast-list', '--checksum'],
      env: baseEnv(rcloneEnv('CEPH', c)),
    },
    {
      // Debian's awscli v2 (pitfall 6), which ignores AWS_ENDPOINT_URL (pitfall 8).
      name: 'aws s3 sync',
      command: (src, dst) =>
        ['/usr/bin/aws', 's3', 'sync', `s3://${src}`, `s3://${dst}`, '--delete', '--endpoint-url', c.endpoint, '--only-show-errors'],
      env: baseEnv({ ...awsEnv(c), AWS_CONFIG_FILE: awsConfig }),
    },
  ];
}

function table(rows: Row[]): string {
  // Runs of a second or less (server-side copies of large objects) differ in the second decimal.
  const secs = (seconds: number): string => seconds.toFixed(seconds < 10 ? 2 : 1);
  const lines = [
    '| dataset | tool | runs | wall s, median (range) | objects/s | MiB/s | peak RSS MiB | vs rclone | vs raw PUT | vs raw copy | CPU s, median | CPU ms/object | CPU vs rclone |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rate = (r: Row): number => r.objects / summary(r.runs).seconds;
  const find = (dataset: string, tool: string): Row | undefined =>
    rows.find((r) => r.dataset === dataset && r.tool === tool && summary(r.runs).ok);
  for (const r of rows) {
    const m = summary(r.runs);
    const rclone = find(r.dataset, 'rclone');
    const put = find(r.dataset, 'raw PUT (SDK)');
    const copy = find(r.dataset, 'raw CopyObject (SDK)');
    const ratio = (other: Row | undefined, pct: boolean): string =>
      !other || !m.ok ? '-' : pct ? `${((100 * rate(r)) / rate(other)).toFixed(0)} %` : `${(rate(r) / rate(other)).toFixed(2)}x`;
    // As `vs rclone`, higher is better: rclone's CPU time over this tool's, for the same work.
    const cpuRatio = (other: Row | undefined): string => (!other || !m.ok ? '-' : `${(summary(other.runs).cpuSeconds / m.cpuSeconds).toFixed(2)}x`);
    const range = r.runs.length > 1 ? ` (${secs(m.minSeconds)}-${secs(m.maxSeconds)})` : '';
    lines.push(
      `| ${r.dataset} | ${r.tool}${m.note ? ` (${m.note})` : ''} | ${r.runs.length} | ${secs(m.seconds)}${range} | ` +
        `${m.ok ? rate(r).toFixed(0) : '-'} | ${r.bytes && m.ok ? (r.bytes / MiB / m.seconds).toFixed(1) : '-'} | ` +
        `${m.rssMiB.toFixed(0)} | ${ratio(rclone, false)} | ` +
        `${ratio(put, true)} | ${ratio(copy, true)} | ` +
        `${m.cpuSeconds.toFixed(2)} | ${((1000 * m.cpuSeconds) / r.objects).toFixed(3)} | ${cpuRatio(rclone)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  const { main: creds, alt } = labCredentials();
  const s3 = client(creds);
  const s3alt = client(alt);
  const t0 = Date.now();

  log('building the engine bundle (npm run build:engine) and the raw SDK loop');
  execFileSync('npm', ['run', '--silent', 'build:engine'], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  const { version, engine } = imageEngine();
  const raw = path.join(work, 'raw.cjs');
  await build({ entryPoints: [path.join(__dirname, 'raw.ts')], outfile: raw, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  const rawCmd = (...args: (string | number)[]): string[] => ['node', raw, ...args.map(String)];
  const rawEnv = baseEnv(awsEnv(creds));

  const all = tools(creds, engine);
  /** What copies each dataset after the raw PUT loop wrote it: the raw copy loop and the tools. */
  const copiers: Tool[] = [{ name: 'raw CopyObject (SDK)', command: (src, dst) => rawCmd('copy', src, dst, N), env: rawEnv }, ...all];
  log(`concurrency ${N}; commands:`);
  for (const t of all) log(`  ${t.name}: ${t.command('SRC', 'DST').join(' ')}`);

  const rows: Row[] = [];
  const row = (dataset: string, tool: string, objects: number, bytes: number): Row => {
    let r = rows.find((x) => x.dataset === dataset && x.tool === tool);
    if (r === undefined) {
      r = { dataset, tool, objects, bytes, runs: [] };
      rows.push(r);
    }
    return r;
  };
  const scratch: { s3: typeof s3; bucket: string }[] = [];
  let serial = 0;
  const fresh = async (name: string, owner = s3): Promise<string> => {
    const bucket = `bench-${name}-${run}-${serial++}`;
    await createBucket(owner, bucket);
    scratch.push({ s3: owner, bucket });
    return bucket;
  };

  /**
   * One round of a dataset: the raw PUT loop writes it, then the raw copy loop and each tool copy it
   * `runs` times, taking turns in the balanced order of each pass.
   */
  const copyRound = async (dataset: string, slug: string, count: number, size: number, round: number, runs: number): Promise<void> => {
    const tag = `${dataset} ${round + 1}/${REPEAT}`;
    const bytes = count * size;
    const src = await fresh(`${slug}-src`);
    log(`[${tag}] raw PUT: ${count} x ${size / KiB} KiB into ${src}`);
    row(dataset, 'raw PUT (SDK)', count, bytes).runs.push(await measure(rawCmd('put', src, count, size, N), rawEnv));
    for (let pass = 0; pass < runs; pass++) {
      for (const tool of inTurn(copiers, round * runs + pass)) {
        const dst = await fresh(`${slug}-${tool.name.split(' ')[0]}`);
        log(`[${tag}] ${tool.name} -> ${dst}`);
        const m = await measure(tool.command(src, dst), tool.env);
        const got = await inventory(s3, dst);
        if (got.objects !== count || got.bytes !== bytes) {
          m.ok = false;
          m.note = `${m.note ? `${m.note}, ` : ''}destination has ${got.objects} objects`;
        }
        log(`[${tag}] ${tool.name}: ${m.seconds.toFixed(2)} s ${m.note}`);
        row(dataset, tool.name, count, bytes).runs.push(m);
      }
    }
  };

  /**
   * Every dataset starts on a compacted OSD database: the rounds before it (or the last run's
   * cleanup) wrote or deleted tens of thousands of objects, and until RocksDB compacts on its own
   * the gateway lists and writes slower, by chance for whichever tools come first.
   */
  const compact = (dataset: string): void => {
    log(`[${dataset}] compacting the OSD's database (cephlab.sh compact)`);
    execFileSync('bash', [path.join(repo, 'scripts/cephlab.sh'), 'compact'], { stdio: ['ignore', 'ignore', 'inherit'] });
  };

  compact('10,000 x 4 KiB');
  for (let round = 0; round < REPEAT; round++) await copyRound('10,000 x 4 KiB', 'small', 10_000, 4 * KiB, round, 1);
  compact('16 x 64 MiB');
  for (let round = 0; round < REPEAT; round++) await copyRound('16 x 64 MiB', 'large', 16, 64 * MiB, round, balancedRows(copiers.length));

  const noopCount = 100_000;
  const noopSrc = 'bench-noop-src';
  const noopDst = 'bench-noop-dst';
  const have = async (b: string): Promise<number> => (await inventory(s3, b).catch(() => ({ objects: -1 }))).objects;
  if ((await have(noopSrc)) !== noopCount || (await have(noopDst)) !== noopCount) {
    log(`[no-op] seeding ${noopCount} x 1 KiB objects into ${noopSrc}, then the same into ${noopDst} (kept for later runs)`);
    for (const b of [noopSrc, noopDst]) {
      if ((await have(b)) >= 0) await removeBucket(s3, b);
      await createBucket(s3, b);
      // Written after the source, so aws s3 sync, which compares times, sees the copies as current.
      const m = await measure(rawCmd('put', b, noopCount, KiB, 2 * N), rawEnv);
      if (!m.ok) throw new Error(`seeding ${b} failed (${m.note})`);
      log(`[no-op] ${b}: ${m.seconds.toFixed(0)} s`);
    }
  }
  compact('no-op');
  for (let round = 0; round < REPEAT; round++) {
    for (const tool of inTurn(all, round)) {
      log(`[no-op ${round + 1}/${REPEAT}] ${tool.name}: re-sync ${noopSrc} -> ${noopDst}`);
      const m = await measure(tool.command(noopSrc, noopDst), tool.env);
      log(`[no-op ${round + 1}/${REPEAT}] ${tool.name}: ${m.seconds.toFixed(1)} s ${m.note}`);
      row('no-op re-sync, 100,000', tool.name, noopCount, 0).runs.push(m);
    }
  }
  const bb = rows.filter((r) => r.tool === 'bucketbridge').map((r) => `${r.dataset}:\n${summary(r.runs).stdout}`);

  // Streaming memory: a different user owns the destination, so the engine must GET and PUT.
  const memory: string[] = [];
  for (const [label, size] of [['2 MiB', 2 * MiB], ['512 MiB', 512 * MiB], ['2 GiB', 2 * GiB]] as const) {
    const src = await fresh(`mem-${size}`);
    log(`[memory] one ${label} object`);
    const put = await measure(rawCmd('put', src, 1, size, 1), rawEnv);
    if (!put.ok) throw new Error(`seeding ${src} failed (${put.note})`);
    const runs: Measured[] = [];
    for (let round = 0; round < REPEAT; round++) {
      const dst = await fresh(`mem-${size}-dst`, s3alt);
      const env = baseEnv({ ...rcloneEnv('SRC', creds), ...rcloneEnv('DST', alt) });
      runs.push(await measure(engine('copy', `SRC:${src}`, `DST:${dst}`, '--json'), env));
    }
    const m = summary(runs);
    // Tenths: the target compares the two peaks, which differ by less than a MiB.
    memory.push(`| ${label} | ${m.seconds.toFixed(1)} | ${m.cpuSeconds.toFixed(1)} | ${m.rssMiB.toFixed(1)} (${runs.map((r) => r.rssMiB.toFixed(1)).join(', ')}) | ${m.ok ? 'ok' : m.note} |`);
  }

  log('removing this run\'s buckets');
  for (const { s3: owner, bucket } of scratch) await removeBucket(owner, bucket);
  s3.destroy();
  s3alt.destroy();

  const cpu = os.cpus();
  console.log(`\nbucketbridge benchmark, ${new Date().toISOString().slice(0, 16)}Z, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
    `${(os.totalmem() / GiB).toFixed(0)} GiB, concurrency ${N}, ${REPEAT} rounds, total ${((Date.now() - t0) / 1000).toFixed(0)} s, ` +
    `engine on Node.js ${version}\n`);
  console.log(table(rows));
  console.log('\nbucketbridge --json summaries:\n' + bb.join('\n'));
  console.log(`\n| one object, bucketbridge copy streamed (GET+PUT) | wall s, median of ${REPEAT} | CPU s, median | peak RSS MiB, highest (each run) | result |\n|---|---:|---:|---:|---|\n` + memory.join('\n'));
  console.log('\ncommands:\n' + all.map((t) => `  ${t.name}: ${t.command('SRC', 'DST').join(' ')}`).join('\n'));
}

const USAGE = `usage: npm run bench
Runs the benchmark on the lab gateway (started if it is not running): about 20 minutes, plus about
17 the first time, to seed the no-op dataset. It takes no arguments; environment: BENCH_CONCURRENCY
(default 16), BENCH_REPEAT (default 3), CEPHLAB_PORT and CEPHLAB_DIR. See docs/benchmarks.md.
npm run bench -- replicate: bucketbridge replicate against the gateway's multisite replication
instead (bench/replicate.ts, about 10 minutes, on a two-zone lab of its own).
`;

/** A mistyped `npm run bench -- --help` must not start a 20-minute run that fills the gateway. */
function argumentsAllowRun(): boolean {
  try {
    const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (values.help === true) process.stdout.write(USAGE);
    return values.help !== true;
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exitCode = 2;
    return false;
  }
}

// `npm run bench -- replicate`: the replicate bench (bench/replicate.ts, docs/benchmarks.md) instead.
if (process.argv[2] === 'replicate') {
  import('./replicate')
    .then((m) => m.runReplicateBench())
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
} else if (argumentsAllowRun()) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
