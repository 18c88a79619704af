/**
 * `npm run bench -- replicate`: `bucketbridge replicate` (the bundle the image runs) against the
 * gateway's own multisite replication, on a two-zone lab of its own (scripts/cephlab-multisite.sh,
 * CEPHLAB_DIR /tmp/bucketbridge-bench-multisite, S3 on 127.0.0.1:7600 and :7601).
 *
 * Every write goes to zone a and is read back from zone b:
 * - multisite: a bucket replicated by the zones' own data sync (the anchor);
 * - engine over HTTP push: an RGW topic on zone a pushes to the engine's HTTP source, which copies
 *   to a bucket on zone b (streamed GET+PUT: the two zones are two endpoints);
 * - engine over Kafka: the same, but the topic pushes to a relay of this script that produces each
 *   body, as RGW pushed it, to a Kafka topic the engine consumes (RGW 16.2.15 has no Kafka push).
 * The engine's buckets have multisite sync disabled, so the zones do not copy them as well.
 *
 * Phases:
 * 1. anchor: one object at a time, the three paths in turn; PUT-to-visible is from the start of
 *    the PUT to the first HEAD on zone b (every 25 ms) that shows the object's ETag.
 * 2. steady: 4 KiB PUTs at BENCH_REPLICATE_RATE (100) per second for BENCH_REPLICATE_SECONDS (60),
 *    over HTTP push, then over Kafka; a replica is visible when zone b's own notification of the
 *    engine's PUT reaches this script (non-persistent topics are pushed before the PUT returns).
 * 3. ramp: HTTP push at BENCH_REPLICATE_RATES (100,200,300,400), BENCH_REPLICATE_STEP_SECONDS (60)
 *    each, until a step misses its rate by 5 %, loses a replica, or has p99 >= 1 s.
 * 4. memory: a fresh engine per size copies 4 objects of 4 MiB, then 4 of BENCH_REPLICATE_LARGE_MIB
 *    (1024), streamed; its peak RSS (VmHWM) must not grow with the object size.
 * Also: BENCH_REPLICATE_ANCHOR (30 objects per path), BENCH_REPLICATE_CONCURRENCY (16, the engine's
 * default), BENCH_REPLICATE_KEEP_LAB (set: the lab is not wiped at the end).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { client, keyOf, putObjects, type Credentials } from './s3';

const repo = path.resolve(__dirname, '..');
const work = path.join(repo, '.bench', 'replicate');
const LAB_DIR = process.env.BENCH_REPLICATE_LAB_DIR ?? '/tmp/bucketbridge-bench-multisite';
const LAB_PORT = 7600;
const ENGINE_HTTP_PORT = 7630;
const ENGINE_METRICS_PORT = 7631;
const MEMORY_HTTP_PORT = 7632;
const RELAY_PORT = 7640;
const VISIBLE_PORT = 7641;
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const RATE = num('BENCH_REPLICATE_RATE', 100);
const SECONDS = num('BENCH_REPLICATE_SECONDS', 60);
const STEP_SECONDS = num('BENCH_REPLICATE_STEP_SECONDS', 60);
const RATES = (process.env.BENCH_REPLICATE_RATES ?? '100,200,300,400').split(',').map(Number);
const ANCHOR_OBJECTS = num('BENCH_REPLICATE_ANCHOR', 30);
const LARGE_MIB = num('BENCH_REPLICATE_LARGE_MIB', 1024);
/** The engine's `concurrency` (keys reconciled at once); 16 is its default. */
const CONCURRENCY = num('BENCH_REPLICATE_CONCURRENCY', 16);
const MiB = 1024 * 1024;
/** USER_HZ: the unit of /proc/<pid>/stat's CPU times on Linux. */
const CLOCK_TICKS = 100;
/** How long the first object of each path may take to reach zone b. */
const WARM_UP_MS = 300_000;
/** PUTs in flight at most while driving a rate: a synchronous push holds each PUT for the copy. */
const MAX_OUTSTANDING = 512;

function log(message: string): void {
  process.stderr.write(`[bench replicate ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

interface Lab {
  readonly a: Credentials;
  readonly b: Credentials;
  readonly conf: string;
}

function startLab(): Lab {
  const env = { ...process.env, CEPHLAB_DIR: LAB_DIR, CEPHLAB_PORT: String(LAB_PORT), CEPHLAB_WAIT_DATA_SYNC: '1' };
  const script = path.join(repo, 'scripts/cephlab-multisite.sh');
  execFileSync('bash', [script, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const out = execFileSync('bash', [script, 'env'], { env, encoding: 'utf8' });
  const vars = new Map([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const user = { region: 'us-east-1', accessKeyId: vars.get('CEPHLAB_ACCESS_KEY_ID') ?? '', secretAccessKey: vars.get('CEPHLAB_SECRET_ACCESS_KEY') ?? '' };
  return { a: { ...user, endpoint: vars.get('CEPHLAB_ZONE_A_ENDPOINT') ?? '' }, b: { ...user, endpoint: vars.get('CEPHLAB_ZONE_B_ENDPOINT') ?? '' }, conf: path.join(LAB_DIR, 'ceph.conf') };
}

function wipeLab(): void {
  const env = { ...process.env, CEPHLAB_DIR: LAB_DIR, CEPHLAB_PORT: String(LAB_PORT) };
  execFileSync('bash', [path.join(repo, 'scripts/cephlab-multisite.sh'), 'wipe'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

function aws(c: Credentials, args: string[]): string {
  return execFileSync('/usr/bin/aws', ['--endpoint-url', c.endpoint, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_DEFAULT_REGION: c.region, AWS_REGION: c.region, AWS_PAGER: '' },
  });
}

/** A bucket created through `zone`; with `engine`, the zones do not sync it (the engine does). */
function bucket(lab: Lab, zone: Credentials, name: string, engine: boolean): string {
  aws(zone, ['s3api', 'create-bucket', '--bucket', name]);
  if (engine) execFileSync('radosgw-admin', ['-c', lab.conf, 'bucket', 'sync', 'disable', `--bucket=${name}`], { stdio: 'ignore' });
  return name;
}

/** An RGW topic (non-persistent HTTP push to `port`) notified of the bucket's object-created events. */
function notifyTo(zone: Credentials, bucketName: string, port: number): void {
  const topic = `${bucketName}-topic`;
  const arn = (JSON.parse(aws(zone, ['sns', 'create-topic', '--name', topic, '--attributes', JSON.stringify({ 'push-endpoint': `http://127.0.0.1:${port}/`, persistent: 'false' })])) as { TopicArn: string }).TopicArn;
  const config = { TopicConfigurations: [{ Id: 'bench', TopicArn: arn, Events: ['s3:ObjectCreated:*'] }] };
  aws(zone, ['s3api', 'put-bucket-notification-configuration', '--bucket', bucketName, '--notification-configuration', JSON.stringify(config)]);
}

async function listen(port: number, handle: (body: Buffer) => Promise<void> | void): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve(handle(Buffer.concat(chunks))).then(
        () => res.writeHead(200).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Zone b's notifications of the engine's PUTs: when each replica became visible. */
class Visibility {
  readonly seen = new Map<string, number>();
  private server: Server | undefined;
  async start(): Promise<void> {
    this.server = await listen(VISIBLE_PORT, (body) => {
      const at = performance.now();
      const { Records } = JSON.parse(body.toString()) as { Records: { s3: { bucket: { name: string }; object: { key: string } } }[] };
      for (const r of Records) if (!this.seen.has(`${r.s3.bucket.name}/${r.s3.object.key}`)) this.seen.set(`${r.s3.bucket.name}/${r.s3.object.key}`, at);
    });
  }
  close(): void {
    this.server?.close();
  }
}

/** RGW pushes to this relay, which produces each body to Kafka and answers once the broker has it. */
async function kafkaRelay(producer: Producer, topic: string): Promise<Server> {
  return listen(RELAY_PORT, async (body) => {
    const { Records } = JSON.parse(body.toString()) as { Records: { s3: { object: { key: string } } }[] };
    await producer.send({ topic, acks: -1, messages: [{ key: Records[0]?.s3.object.key ?? null, value: body }] });
  });
}

interface Engine {
  readonly child: ChildProcess;
  readonly log: string;
}

function startEngine(name: string, config: unknown, env: Record<string, string>): Engine {
  mkdirSync(work, { recursive: true });
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const logFile = path.join(work, `${name}.log`);
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [path.join(repo, 'build/engine/bucketbridge.cjs'), 'replicate', '--config', file, '--log-level', 'warn'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'ignore', out],
  });
  return { child, log: logFile };
}

async function ready(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/readyz' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the engine on :${port} did not become ready`);
    await sleep(200);
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The lab's daemons (both gateways, the OSD, the mon), from their pid files. */
function labPids(): number[] {
  const run = path.join(LAB_DIR, 'run');
  return readdirSync(run)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(path.join(run, f), 'utf8').trim()))
    .filter((pid) => pid > 0);
}

/** Peak and current RSS of a process, MiB (VmHWM, VmRSS). */
function rss(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
}

async function stopEngine(engine: Engine): Promise<void> {
  const exited = new Promise<void>((resolve) => engine.child.once('exit', () => resolve()));
  engine.child.kill('SIGTERM');
  await exited;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Latencies {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function latencies(ms: number[]): Latencies {
  const sorted = [...ms].sort((x, y) => x - y);
  return { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Polls HEAD on zone b every 25 ms until the object shows `etag`; ms from `since`. */
async function visibleAt(client: S3Client, bucketName: string, key: string, etag: string, since: number, timeoutMs = 30_000): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }));
      if (head.ETag === etag) return performance.now() - since;
    } catch {
      // not there yet
    }
    if (performance.now() > deadline) return Number.POSITIVE_INFINITY;
    await sleep(25);
  }
}

interface RateResult {
  readonly target: number;
  readonly sent: number;
  readonly failedPuts: number;
  /** Objects not on zone b at the end (PUTs that failed excluded). */
  readonly missing: number;
  /** Replicas on zone b whose notice never reached the bench (not in the latencies). */
  readonly unnoticed: number;
  /** Replicas per second, from the first PUT to the last replica. */
  readonly eventsPerSecond: number;
  /** PUTs per second the driver achieved. */
  readonly putsPerSecond: number;
  readonly latency: Latencies;
  readonly putLatency: Latencies;
  /** CPU ms per replica: the engine's, and the lab daemons' (gateways, OSD, mon) together. */
  readonly engineCpuMs: number;
  readonly labCpuMs: number;
}

/**
 * 4 KiB PUTs to `src` on zone a at `rate` per second for `seconds`, open loop; each replica's
 * latency runs from the start of its PUT to zone b's notification of the engine's copy.
 */
async function drive(a: S3Client, b: S3Client, src: string, dst: string, visibility: Visibility, rate: number, seconds: number, prefix: string, enginePid: number): Promise<RateResult> {
  const cpu = (): { engine: number; lab: number } => ({ engine: cpuSeconds(enginePid), lab: labPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) });
  const cpu0 = cpu();
  const body = Buffer.alloc(4096, 'replicate bench ');
  const total = Math.round(rate * seconds);
  const starts = new Map<string, number>();
  const putMs: number[] = [];
  const inflight = new Set<Promise<void>>();
  let failedPuts = 0;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    while (inflight.size >= MAX_OUTSTANDING) await Promise.race(inflight);
    const key = `${prefix}/${String(i).padStart(6, '0')}`;
    const started = performance.now();
    starts.set(key, started);
    const put: Promise<void> = a.send(new PutObjectCommand({ Bucket: src, Key: key, Body: body })).then(
      () => void putMs.push(performance.now() - started),
      () => {
        failedPuts++;
        starts.delete(key);
      },
    );
    const tracked = put.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }
  const sentSeconds = (performance.now() - t0) / 1000;
  await Promise.all(inflight);
  const deadline = performance.now() + 30_000;
  const arrived = (): number => [...starts.keys()].filter((k) => visibility.seen.has(`${dst}/${k}`)).length;
  while (arrived() < total - failedPuts && performance.now() < deadline) await sleep(100);
  const ms: number[] = [];
  let last = t0;
  for (const [key, started] of starts) {
    const at = visibility.seen.get(`${dst}/${key}`);
    if (at === undefined) continue;
    ms.push(at - started);
    last = Math.max(last, at);
  }
  const cpu1 = cpu();
  // A replica without zone b's notice is looked up on zone b: a notice a non-persistent topic
  // dropped is not a lost object.
  let absent = 0;
  for (const key of starts.keys()) {
    if (visibility.seen.has(`${dst}/${key}`)) continue;
    try {
      await b.send(new HeadObjectCommand({ Bucket: dst, Key: key }));
    } catch {
      absent++;
    }
  }
  return {
    engineCpuMs: ((cpu1.engine - cpu0.engine) * 1000) / Math.max(1, ms.length),
    labCpuMs: ((cpu1.lab - cpu0.lab) * 1000) / Math.max(1, ms.length),
    target: rate,
    sent: total,
    failedPuts,
    missing: absent,
    unnoticed: starts.size - ms.length - absent,
    eventsPerSecond: ms.length / ((last - t0) / 1000),
    putsPerSecond: total / sentSeconds,
    latency: latencies(ms),
    putLatency: latencies(putMs),
  };
}

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

function rateRow(label: string, r: RateResult): string {
  return `| ${label} | ${r.target} | ${f1(r.putsPerSecond)} | ${f1(r.eventsPerSecond)} | ${f0(r.latency.p50)} | ${f0(r.latency.p99)} | ${f0(r.latency.max)} | ${f0(r.putLatency.p50)} | ${r.missing} | ${r.unnoticed} | ${r.failedPuts} | ${f1(r.engineCpuMs)} | ${f1(r.labCpuMs)} |`;
}

export async function runReplicateBench(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const t0 = Date.now();
  const run = Date.now().toString(36);
  log(`building the engine bundle`);
  execFileSync(process.execPath, [path.join(repo, 'scripts/build-engine.mjs')], { cwd: repo, stdio: 'inherit' });
  log(`starting the two-zone lab in ${LAB_DIR} (S3 on :${LAB_PORT} and :${LAB_PORT + 1})`);
  const lab = startLab();
  // Room for every PUT a rate keeps in flight.
  const a = client(lab.a, MAX_OUTSTANDING);
  const b = client(lab.b, MAX_OUTSTANDING);
  const kafkaBrokers = process.env.BUCKETBRIDGE_TEST_KAFKA_BROKERS ?? execFileSync('bash', [path.join(repo, 'scripts/brokers.sh'), 'env'], { encoding: 'utf8' }).match(/BUCKETBRIDGE_TEST_KAFKA_BROKERS=(\S+)/)?.[1];
  if (kafkaBrokers === undefined) throw new Error('no Kafka broker: run scripts/brokers.sh start');
  const kafka = new Kafka({ clientId: 'bench', brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
  const topic = `bench-replicate-${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();

  const ms = bucket(lab, lab.a, `bench-ms-${run}`, false);
  const srcH = bucket(lab, lab.a, `bench-src-http-${run}`, true);
  const dstH = bucket(lab, lab.b, `bench-dst-http-${run}`, true);
  const srcK = bucket(lab, lab.a, `bench-src-kafka-${run}`, true);
  const dstK = bucket(lab, lab.b, `bench-dst-kafka-${run}`, true);
  notifyTo(lab.a, srcH, ENGINE_HTTP_PORT);
  notifyTo(lab.a, srcK, RELAY_PORT);
  notifyTo(lab.b, dstH, VISIBLE_PORT);
  notifyTo(lab.b, dstK, VISIBLE_PORT);
  const visibility = new Visibility();
  await visibility.start();
  const relay = await kafkaRelay(producer, topic);
  const remotes = (name: string, c: Credentials): Record<string, string> => {
    const p = `RCLONE_CONFIG_${name}_`;
    return { [`${p}TYPE`]: 's3', [`${p}PROVIDER`]: 'Ceph', [`${p}ENDPOINT`]: c.endpoint, [`${p}REGION`]: c.region, [`${p}ACCESS_KEY_ID`]: c.accessKeyId, [`${p}SECRET_ACCESS_KEY`]: c.secretAccessKey };
  };
  const env = { ...remotes('ZA', lab.a), ...remotes('ZB', lab.b) };
  const engine = startEngine('engine', {
    sources: [
      { name: 'http', type: 'http', listen: `127.0.0.1:${ENGINE_HTTP_PORT}` },
      { name: 'kafka', type: 'kafka', brokers: [kafkaBrokers], topic, groupId: `bench-${run}` },
    ],
    routes: [
      { name: 'http', source: `za:${srcH}`, destination: `zb:${dstH}` },
      { name: 'kafka', source: `za:${srcK}`, destination: `zb:${dstK}` },
    ],
    listen: `127.0.0.1:${ENGINE_METRICS_PORT}`,
    concurrency: CONCURRENCY,
  }, env);
  await ready(ENGINE_METRICS_PORT);
  const pid = engine.child.pid as number;
  log(`engine ready (pid ${pid}, RSS ${f0(rss(pid).now)} MiB)`);

  // 1. Anchor: one object at a time, the three paths in turn.
  log(`[anchor] ${ANCHOR_OBJECTS} objects per path, one at a time`);
  const paths = [
    { name: 'multisite (RGW data sync)', src: ms, dst: ms },
    { name: 'bucketbridge, HTTP push', src: srcH, dst: dstH },
    { name: 'bucketbridge, Kafka', src: srcK, dst: dstK },
  ];
  const anchor = paths.map(() => [] as number[]);
  const anchorPut = paths.map(() => [] as number[]);
  const body = Buffer.alloc(4096, 'anchor ');
  // Zone b's data sync starts in 'init' (a full sync) and may take minutes on a loaded machine:
  // one object per path must arrive before anything is measured (the Kafka group joins meanwhile too).
  for (const p of paths) {
    const started = performance.now();
    const out = await a.send(new PutObjectCommand({ Bucket: p.src, Key: 'warm-up', Body: body }));
    const ms = await visibleAt(b, p.dst, 'warm-up', out.ETag ?? '', started, WARM_UP_MS);
    if (!Number.isFinite(ms)) throw new Error(`[anchor] ${p.name}: the warm-up object did not reach zone b within ${WARM_UP_MS / 1000} s`);
    log(`[anchor] ${p.name}: warm-up object visible after ${f0(ms)} ms`);
  }
  for (let i = 0; i < ANCHOR_OBJECTS; i++) {
    for (let j = 0; j < paths.length; j++) {
      const k = (i + j) % paths.length;
      const p = paths[k]!;
      const key = `anchor/${String(i).padStart(4, '0')}`;
      const started = performance.now();
      const out = await a.send(new PutObjectCommand({ Bucket: p.src, Key: key, Body: body }));
      anchorPut[k]!.push(performance.now() - started);
      anchor[k]!.push(await visibleAt(b, p.dst, key, out.ETag ?? '', started));
      await sleep(50);
    }
  }
  const anchorStats = anchor.map(latencies);
  const anchorPutStats = anchorPut.map(latencies);
  for (const [i, p] of paths.entries()) log(`[anchor] ${p.name}: p50 ${f0(anchorStats[i]!.p50)} ms, p99 ${f0(anchorStats[i]!.p99)} ms`);

  // 2. Steady rate over HTTP push and over Kafka.
  log(`[steady] ${RATE}/s for ${SECONDS} s over HTTP push`);
  const steadyHttp = await drive(a, b, srcH, dstH, visibility, RATE, SECONDS, 'steady', pid);
  log(`[steady] http: ${f1(steadyHttp.eventsPerSecond)} events/s, p50 ${f0(steadyHttp.latency.p50)} ms, p99 ${f0(steadyHttp.latency.p99)} ms, missing ${steadyHttp.missing}, unnoticed ${steadyHttp.unnoticed}`);
  log(`[steady] ${RATE}/s for ${SECONDS} s over Kafka`);
  const steadyKafka = await drive(a, b, srcK, dstK, visibility, RATE, SECONDS, 'steady', pid);
  log(`[steady] kafka: ${f1(steadyKafka.eventsPerSecond)} events/s, p50 ${f0(steadyKafka.latency.p50)} ms, p99 ${f0(steadyKafka.latency.p99)} ms, missing ${steadyKafka.missing}, unnoticed ${steadyKafka.unnoticed}`);

  // 3. Ramp over HTTP push until a step fails.
  const ramp: RateResult[] = [];
  let sustained: number | undefined;
  for (const rate of RATES) {
    log(`[ramp] ${rate}/s for ${STEP_SECONDS} s over HTTP push`);
    const r = await drive(a, b, srcH, dstH, visibility, rate, STEP_SECONDS, `ramp-${rate}`, pid);
    ramp.push(r);
    const ok = r.missing === 0 && r.unnoticed === 0 && r.failedPuts === 0 && r.latency.p99 < 1000 && r.putsPerSecond >= 0.95 * rate && r.eventsPerSecond >= 0.95 * rate;
    log(`[ramp] ${rate}/s: ${f1(r.eventsPerSecond)} events/s, p99 ${f0(r.latency.p99)} ms, missing ${r.missing}, unnoticed ${r.unnoticed}: ${ok ? 'sustained' : 'not sustained'}`);
    if (!ok) break;
    sustained = rate;
  }
  const enginePeak = rss(pid).peak;
  await stopEngine(engine);
  relay.close();
  await producer.disconnect();

  // 4. Memory: a fresh engine per object size, 4 objects copied at once, streamed.
  const memory: { label: string; seconds: number; idle: number; peak: number }[] = [];
  for (const [label, size] of [['4 x 4 MiB', 4 * MiB], [`4 x ${LARGE_MIB >= 1024 ? `${LARGE_MIB / 1024} GiB` : `${LARGE_MIB} MiB`}`, LARGE_MIB * MiB]] as const) {
    const src = bucket(lab, lab.a, `bench-mem-src-${size}-${run}`, true);
    const dst = bucket(lab, lab.b, `bench-mem-dst-${size}-${run}`, true);
    log(`[memory] writing ${label} to zone a`);
    await putObjects(a, src, 4, size, 4, () => undefined);
    const mem = startEngine(`memory-${size}`, {
      sources: [{ name: 'http', type: 'http', listen: `127.0.0.1:${MEMORY_HTTP_PORT}` }],
      routes: [{ name: 'mem', source: `za:${src}`, destination: `zb:${dst}` }],
      listen: `127.0.0.1:${MEMORY_HTTP_PORT + 1}`,
    }, env);
    await ready(MEMORY_HTTP_PORT + 1);
    const memPid = mem.child.pid as number;
    const idle = rss(memPid).now;
    log(`[memory] ${label}: engine idle at ${f0(idle)} MiB; replicating`);
    const started = performance.now();
    const statuses = await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<number>((resolve, reject) => {
            const event = { Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: src }, object: { key: keyOf(i) } } }] };
            const req = request({ host: '127.0.0.1', port: MEMORY_HTTP_PORT, path: '/', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            req.end(JSON.stringify(event));
          }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const peak = rss(memPid).peak;
    await stopEngine(mem);
    if (statuses.some((s) => s !== 200)) throw new Error(`[memory] ${label}: the engine answered ${statuses.join(', ')}`);
    for (let i = 0; i < 4; i++) {
      const head = await b.send(new HeadObjectCommand({ Bucket: dst, Key: keyOf(i) }));
      if (head.ContentLength !== size) throw new Error(`[memory] ${label}: replica ${keyOf(i)} has ${head.ContentLength} bytes, not ${size}`);
    }
    log(`[memory] ${label}: ${f1(seconds)} s, peak RSS ${f1(peak)} MiB`);
    memory.push({ label, seconds, idle, peak });
  }

  visibility.close();
  a.destroy();
  b.destroy();
  if (process.env.BENCH_REPLICATE_KEEP_LAB === undefined) {
    log('wiping the two-zone lab');
    wipeLab();
  }

  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const cpu = os.cpus();
  const [msA, httpA, kafkaA] = anchorStats as [Latencies, Latencies, Latencies];
  console.log(
    `\nbucketbridge replicate benchmark, ${new Date().toISOString().slice(0, 16)}Z, commit ${commit}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node.js ${process.version}, total ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
  );
  console.log(`Anchor: ${ANCHOR_OBJECTS} x 4 KiB per path, one at a time, PUT start on zone a to the first HEAD on zone b with the ETag (25 ms polls)\n`);
  console.log('| path | p50 ms | p99 ms | max ms | PUT p50 ms | p50 ratio to multisite |\n|---|---:|---:|---:|---:|---:|');
  for (const [i, p] of paths.entries()) {
    const s = anchorStats[i]!;
    console.log(`| ${p.name} | ${f0(s.p50)} | ${f0(s.p99)} | ${f0(s.max)} | ${f0(anchorPutStats[i]!.p50)} | ${(s.p50 / msA.p50).toFixed(2)} |`);
  }
  console.log(`\nratios of medians (multisite / bucketbridge, > 1 means bucketbridge is faster): HTTP push ${(msA.p50 / httpA.p50).toFixed(2)}, Kafka ${(msA.p50 / kafkaA.p50).toFixed(2)}`);
  console.log(`\nRates: 4 KiB PUTs, open loop; latency from PUT start to zone b's notification of the replica; engine concurrency ${CONCURRENCY}\n`);
  console.log('| run | target /s | PUTs /s | replicas /s | p50 ms | p99 ms | max ms | PUT p50 ms | missing | unnoticed | failed PUTs | engine CPU ms / replica | lab CPU ms / replica |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(rateRow(`steady, HTTP push, ${SECONDS} s`, steadyHttp));
  console.log(rateRow(`steady, Kafka, ${SECONDS} s`, steadyKafka));
  for (const r of ramp) console.log(rateRow(`ramp, HTTP push, ${STEP_SECONDS} s`, r));
  console.log(`\nhighest rate sustained for ${STEP_SECONDS} s with p99 < 1 s (HTTP push): ${sustained === undefined ? `none of ${RATES.join(', ')}` : `${sustained}/s`}${sustained === RATES[RATES.length - 1] ? ' (the highest step tried)' : ''}`);
  console.log(`engine peak RSS over anchor, steady and ramp: ${f0(enginePeak)} MiB`);
  console.log('\nMemory: 4 objects replicated at once (streamed GET+PUT, zone a to zone b), a fresh engine each\n');
  console.log('| objects | wall s | RSS idle MiB | peak RSS MiB |\n|---|---:|---:|---:|');
  for (const m of memory) console.log(`| ${m.label} | ${f1(m.seconds)} | ${f1(m.idle)} | ${f1(m.peak)} |`);
}
