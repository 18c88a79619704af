#!/usr/bin/env node
import type { Server } from 'node:http';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { KeyShardError, parseKeyShard, type KeyShard } from '../model';
import { missingPeers, missingPeersMessage } from '../model/peers';
import type { ReplicateFlags } from './commands/replicate-cli';
import { REPLICATE_RETRY_ATTEMPTS } from './commands/replicate';
import { SyncEngine, type Command as EngineCommand, type Summary } from './commands/sync-engine';
import { ConfigurationError, StoppedError, UsageError } from './errors';
import type { LockLostError, LockReport } from './locks/bucket-locks';
import type { LockFlags, RunLocks } from './locks/run-locks';
import { pushRunMetrics } from './observability/push';
import { createLogger } from './observability/logger';
import { EngineMetrics } from './observability/metrics';
import { serveMetrics } from './observability/metrics-server';
import { drainOnSignal } from './shutdown';
import { ProgressBar, formatBytes } from './observability/progress';
import { DEFAULT_TUNING } from './tuning';

/** How long SIGTERM lets copies in flight finish before aborting them. */
const DRAIN_SECONDS_DEFAULT = 30;
/** How long a run waits for its bucket locks by default. */
const LOCK_TIMEOUT_SECONDS_DEFAULT = 3600;

interface Flags extends LockFlags {
  shard?: KeyShard;
  metricsPushUrl?: string;
  metricsPushJob: string;
  dryRun: boolean;
  maxDelete?: number;
  checksum: boolean;
  sizeOnly: boolean;
  transfers: number;
  checkers: number;
  include: string[];
  exclude: string[];
  json: boolean;
  progress: boolean;
  logLevel: string;
  metricsAddr?: string;
  drainSeconds: number;
  connectTimeout: number;
  headerTimeout: number;
  idleTimeout: number;
  retries: number;
  retryDeadline: number;
  compareTags: boolean;
  compareMetadata: boolean;
}

function count(name: string, min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`'${name}' must be an integer >= ${min}, got ${value}`);
    return Number(value);
  };
}

function shard(value: string): KeyShard {
  try {
    return parseKeyShard(value);
  } catch (err) {
    if (err instanceof KeyShardError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

function seconds(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError(`'${name}' must be a number of seconds > 0, got ${value}`);
    return Number(value);
  };
}

/** The deadline and retry flags `sync`, `copy`, `check` and `replicate` share (docs/engine.md). */
function deadlineOptions(command: Command, retriesDefault: number): Command {
  return command
    .option('--connect-timeout <seconds>', 'how long opening a connection may take', seconds('--connect-timeout'), DEFAULT_TUNING.connectTimeoutMs / 1000)
    .option('--header-timeout <seconds>', "how long a request may wait for the answer's headers", seconds('--header-timeout'), DEFAULT_TUNING.headerTimeoutMs / 1000)
    .option('--idle-timeout <seconds>', 'how long a connection may stay silent, mid-body included', seconds('--idle-timeout'), DEFAULT_TUNING.idleTimeoutMs / 1000)
    .option('--retries <N>', 'retries of a failed request after the first attempt', count('--retries', 0), retriesDefault)
    .option('--retry-deadline <seconds>', "no retry starts later than this after a request's first attempt", seconds('--retry-deadline'), DEFAULT_TUNING.retryDeadlineMs / 1000);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function program(run: (command: EngineCommand, source: string, destination: string, flags: Flags) => Promise<number>): Command {
  const root = new Command('bucketbridge')
    .description('Copy, sync and check S3 buckets and local directories (remotes from RCLONE_CONFIG_<REMOTE>_*).')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  const verbs: [EngineCommand, string][] = [
    ['sync', 'make DST identical to SRC: copy new and changed objects, delete extras'],
    ['copy', 'copy new and changed objects from SRC to DST; never delete'],
    ['check', 'compare SRC and DST; exit 1 on any difference'],
  ];
  for (const [name, description] of verbs) {
    const verb = root
      .command(name)
      .description(description)
      .argument('<SRC>', 'REMOTE:bucket[/prefix] or a local directory')
      .argument('<DST>', 'REMOTE:bucket[/prefix] or a local directory')
      .option('--dry-run', 'report what would change, change nothing', false)
      .option('--max-delete <N>', 'delete nothing and fail if more than N objects would be deleted', count('--max-delete', 0))
      .addOption(new Option('--checksum', 'compare content hashes, never modification times').default(false).conflicts('sizeOnly'))
      .option('--size-only', 'compare sizes only', false)
      .option('--transfers <N>', 'requests moving bodies at once', count('--transfers', 1), 16)
      .option('--checkers <N>', 'objects compared at once', count('--checkers', 1), 16)
      .option('--include <glob>', 'only keys matching this glob (repeatable)', collect, [])
      .option('--exclude <glob>', 'skip keys matching this glob (repeatable)', collect, [])
      .option('--json', 'print one JSON summary on stdout', false)
      .option('--progress', 'show a progress bar on a terminal', false)
      .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
      .option('--metrics-addr <[host:]port>', 'serve Prometheus metrics at /metrics')
      .option('--drain-seconds <N>', 'on SIGTERM, how long copies in flight may finish', count('--drain-seconds', 0), DRAIN_SECONDS_DEFAULT)
      .option('--shard <i/N>', 'only the keys in shard i of N (hash of the key mod N), on both sides', shard)
      .option('--lock-namespace <namespace>', "first lock both buckets with a Kubernetes Lease each in this namespace ('' = the pod's)")
      .option('--lock-timeout <seconds>', 'give up when the locks are not all taken within this time', count('--lock-timeout', 0), LOCK_TIMEOUT_SECONDS_DEFAULT)
      .option('--holder <id>', "the run holding the locks; an Indexed Job's pods share one (default: the host name)")
      .option('--lock-member <id>', "this process among the run's pods (default: the host name)")
      .option('--kubeconfig <file>', "the Kubernetes API to keep locks in (default: $KUBECONFIG, else the pod's own)")
      .option('--metrics-push-url <url>', "at the end, push the run's figures to this Prometheus Pushgateway")
      .option('--metrics-push-job <name>', 'the Pushgateway job to push them under', 'bucketbridge')
      .option('--compare-tags', 'also compare tags of objects whose size and ETag match (one request per side per object)', false)
      .option('--compare-metadata', 'also compare headers and user metadata of objects whose size and ETag match (one request per side per object)', false);
    deadlineOptions(verb, DEFAULT_TUNING.retryAttempts - 1)
      .exitOverride()
      .configureOutput({ outputError: () => undefined })
      .action(async (source: string, destination: string, flags: Flags) => {
        process.exitCode = await run(name, source, destination, flags);
      });
  }
  const replicate = root
    .command('replicate')
    .description('replicate buckets as S3 event notifications arrive (HTTP push, AMQP, Kafka, SQS), until SIGTERM')
    .requiredOption('--config <FILE>', 'configuration file (YAML or JSON; schema: docs/replicate.schema.json)')
    .option('--check-config', 'validate the configuration and exit', false)
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'));
  // replicate retries a whole key on top (the config's `retry`), so each S3 request gets fewer retries.
  deadlineOptions(replicate, REPLICATE_RETRY_ATTEMPTS - 1)
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .action(async (flags: ReplicateFlags) => {
      // Loaded only here: its brokers' clients and the config parsing are not a sync's start-up cost.
      const { runReplicate } = await import('./commands/replicate-cli');
      process.exitCode = await runReplicate(flags);
    });
  return root;
}

async function execute(command: EngineCommand, source: string, destination: string, flags: Flags): Promise<number> {
  const logger = createLogger(flags.logLevel);
  const metrics = new EngineMetrics();
  const bar = flags.progress && process.stderr.isTTY ? new ProgressBar() : undefined;
  let server: Server | undefined;
  const engine = new SyncEngine({
    command,
    source,
    destination,
    dryRun: flags.dryRun,
    maxDelete: flags.maxDelete,
    compare: flags.checksum ? 'checksum' : flags.sizeOnly ? 'size-only' : 'default',
    transfers: flags.transfers,
    checkers: flags.checkers,
    include: flags.include,
    exclude: flags.exclude,
    shard: flags.shard,
    compareAttributes: { tags: flags.compareTags, metadata: flags.compareMetadata },
    tuning: {
      connectTimeoutMs: flags.connectTimeout * 1000,
      headerTimeoutMs: flags.headerTimeout * 1000,
      idleTimeoutMs: flags.idleTimeout * 1000,
      retryAttempts: flags.retries + 1,
      retryDeadlineMs: flags.retryDeadline * 1000,
    },
    logger,
    metrics,
    onProgress: bar === undefined ? undefined : (p) => bar.update(p),
  });
  const lockWait = new AbortController();
  let locks: RunLocks | undefined;
  let lockLost: LockLostError | undefined;
  let summary: Summary | undefined;
  const began = Date.now();
  const drain = drainOnSignal(engine, logger, flags.drainSeconds, { intake: 'objects', inFlight: 'copies in flight' });
  const onSignal = (signal: NodeJS.Signals): void => {
    lockWait.abort(new StoppedError(`${signal} while waiting for bucket locks`));
    void drain(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // The one-line error is written after the logs are flushed, so that it is stderr's last line.
  let problem: string | undefined;
  try {
    if (flags.metricsAddr !== undefined) server = await serveMetrics(flags.metricsAddr, metrics.registry);
    if (flags.lockNamespace !== undefined) {
      // The Kubernetes client is an optional peer: only runs that lock buckets need it.
      const missing = missingPeers(['@kubernetes/client-node']);
      if (missing.length > 0) throw new ConfigurationError(missingPeersMessage('--lock-namespace', missing));
      const { lockBuckets } = await import('./locks/run-locks');
      const onLost = (err: LockLostError): void => {
        lockLost = err;
        void engine.stop({ abort: true });
      };
      // The runtime image loads the locks from a bundle of their own, with its own copy of the error classes.
      locks = await lockBuckets(flags, [source, destination], { logger, signal: lockWait.signal, onLost }).catch((err: unknown) => {
        throw err instanceof Error && err.name === 'ConfigurationError' ? new ConfigurationError(err.message) : err;
      });
    }
    summary = await engine.start();
    bar?.stop();
    report({ ...summary, ...(locks === undefined ? {} : { locks: locks.report }) }, flags.json);
    if (lockLost !== undefined) problem = lockLost.message;
    return summary.failed > 0 || summary.stopped || lockLost !== undefined || (command === 'check' && summary.differences > 0) ? 1 : 0;
  } catch (err) {
    bar?.stop();
    problem = err instanceof Error ? err.message : String(err);
    if (err instanceof ConfigurationError) {
      logger.error({ err: err.message }, 'bad configuration');
      return 2;
    }
    logger.error({ err }, 'run failed');
    return 1;
  } finally {
    // The handlers stay: a late signal must not kill the process while it flushes and exits.
    await locks?.release();
    if (flags.metricsPushUrl !== undefined) await push(flags, logger, summary, locks?.report, began, command);
    server?.close();
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    if (problem !== undefined) process.stderr.write(`bucketbridge: ${problem}\n`);
  }
}

/** Pushes the run's figures; a Pushgateway that cannot be reached is logged, not a failed run. */
async function push(flags: Flags, logger: Logger, summary: Summary | undefined, locks: LockReport | undefined, began: number, command: EngineCommand): Promise<void> {
  const outOfSync = summary === undefined ? undefined : summary.failed + summary.differences;
  const succeeded = summary !== undefined && !summary.stopped && outOfSync === 0 && (command !== 'check' || summary.differences === 0);
  try {
    await pushRunMetrics(flags.metricsPushUrl as string, flags.metricsPushJob, flags.shard?.index, {
      succeeded,
      finishedAt: new Date(),
      seconds: (Date.now() - began) / 1000,
      copied: summary?.copied,
      deleted: summary?.deleted,
      failed: summary?.failed,
      outOfSync,
      bytes: summary?.bytes,
      lockWaitSeconds: locks?.waitedSeconds,
    });
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not push metrics');
  }
}

function report(summary: Summary & { locks?: LockReport }, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const parts = [
    `${summary.command}${summary.dryRun ? ' (dry run)' : ''}:`,
    `copied ${summary.copied}`,
    `deleted ${summary.deleted}`,
    `skipped ${summary.skipped}`,
    `failed ${summary.failed}`,
    ...(summary.command === 'check' ? [`differences ${summary.differences}`] : []),
    ...(summary.sourceChanged > 0 ? [`restarted ${summary.sourceChanged} (source changed mid-copy)`] : []),
    `${formatBytes(summary.bytes)} in ${summary.seconds} s`,
    ...(summary.locks === undefined ? [] : [`(waited ${summary.locks.waitedSeconds} s for ${summary.locks.leases.length} locks)`]),
    ...(summary.stopped ? ['(stopped)'] : []),
  ];
  process.stderr.write(`${parts.join(' ')}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await program(execute).parseAsync([...argv]);
    return Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // No command given: commander has printed the help already.
      if (err.code === 'commander.help') return 2;
      process.stderr.write(`bucketbridge: ${new UsageError(err.message.replace(/^error: /, '')).message}\n`);
      return 2;
    }
    throw err;
  }
}

// A command-line tool's stderr is for its own messages; the SDK's Node support notice is not one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bucketbridge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
