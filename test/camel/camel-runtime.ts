/**
 * Runs a synthesized Camel K Integration in Apache Camel itself (camel-main with the YAML DSL and the
 * components of test/camel/pom.xml, resolved by Maven into ~/.m2), the way the Camel K operator would:
 * the Integration's `spec.flows` become the route file, and every Secret named in its `mount` trait is
 * written as files `<secrets>/<name>/<key>`, which camel-kubernetes resolves for `{{secret:name/key}}`
 * (Camel K mounts Secrets the same way and points `camel.kubernetes-config.mount-path-secrets` at them).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import type { KubeObject } from '../support/manifests';

const run = promisify(execFile);
const POM = path.resolve(__dirname, 'pom.xml');

let classpath: Promise<string> | undefined;

/** JVMs still running when the test process exits (a failed hook, an interrupted run) are killed with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The runtime's classpath, resolved once per test file by `mvn dependency:build-classpath`. */
export function camelClasspath(): Promise<string> {
  classpath ??= (async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'bucketbridge-camel-cp-')), 'classpath');
    try {
      await run('mvn', ['-B', '-q', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${out}`], {
        timeout: 900_000,
        maxBuffer: 16 << 20,
      });
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message;
      throw new Error(`could not resolve the Camel runtime with Maven (java 17 and mvn are installed by scripts/brokers.sh install):\n${detail}`);
    }
    const text = readFileSync(out, 'utf8').trim();
    rmSync(path.dirname(out), { recursive: true, force: true });
    return text;
  })();
  return classpath;
}

/** Secret name -> key -> value, as the cluster would hold them. */
export type SecretData = Readonly<Record<string, Readonly<Record<string, string>>>>;

export class CamelIntegrationProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts the Integration and resolves once Camel reports it started; fails with Camel's log if the
   * routes do not start (an unresolvable endpoint option, a missing Secret key, ...).
   */
  static async start(integration: KubeObject, secrets: SecretData, jvmOptions: readonly string[] = []): Promise<CamelIntegrationProcess> {
    const name = integration.metadata.name;
    const spec = integration.spec as { flows?: unknown[]; traits?: { mount?: { configs?: string[] } } } | undefined;
    if (!spec?.flows) throw new Error(`Integration ${name} has no flows`);
    const dir = mkdtempSync(path.join(tmpdir(), `bucketbridge-camel-${name}-`));
    writeFileSync(path.join(dir, 'routes.yaml'), yaml.dump(spec.flows, { lineWidth: -1 }));
    const mounted = (spec.traits?.mount?.configs ?? []).filter((c) => c.startsWith('secret:')).map((c) => c.slice('secret:'.length));
    for (const secret of mounted) {
      const data = secrets[secret];
      if (!data) throw new Error(`Integration ${name} mounts Secret ${secret}, which the test does not provide`);
      mkdirSync(path.join(dir, 'secrets', secret), { recursive: true });
      for (const [key, value] of Object.entries(data)) writeFileSync(path.join(dir, 'secrets', secret, key), value);
    }
    writeFileSync(
      path.join(dir, 'application.properties'),
      [
        `camel.main.name=${name}`,
        `camel.main.routesIncludePattern=file:${path.join(dir, 'routes.yaml')}`,
        `camel.main.shutdownTimeout=15`,
        `camel.kubernetes-config.client-enabled=false`,
        `camel.kubernetes-config.mount-path-secrets=${path.join(dir, 'secrets')}`,
        '',
      ].join('\n'),
    );
    const cp = `${dir}${path.delimiter}${await camelClasspath()}`;
    // The environment trait's variables reach the JVM as Camel K puts them on the pod's container.
    const traitVars = (integration.spec as { traits?: { environment?: { vars?: string[] } } }).traits?.environment?.vars ?? [];
    const env = { ...process.env, ...Object.fromEntries(traitVars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)])) };
    const child = spawn('java', [...jvmOptions, '-cp', cp, 'org.apache.camel.main.Main'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const started = new CamelIntegrationProcess(name, child, dir);
    try {
      await started.waitForLog(new RegExp(`Apache Camel [\\d.]+ \\(${name}\\) started`), 180_000);
    } catch (err) {
      await started.stop();
      throw err;
    }
    return started;
  }

  /** Everything Camel logged so far. */
  get log(): string {
    return this.output;
  }

  /** Lines of the replicator's own log (`bucketbridge.replicator`). */
  replicatorLines(): string[] {
    return this.output.split('\n').filter((line) => line.includes('bucketbridge.replicator'));
  }

  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (!pattern.test(this.output)) {
      if (exitCode !== undefined) throw new Error(`Camel ${this.name} exited (${exitCode}) before logging ${pattern}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`Camel ${this.name} did not log ${pattern} within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  tail(lines = 60): string {
    return this.output.split('\n').filter((l) => !/^\s+at /.test(l)).slice(-lines).join('\n');
  }

  /**
   * SIGTERM (Camel's graceful shutdown), SIGKILL after 30 s; removes the working directory and keeps
   * Camel's log as `<tmpdir>/bucketbridge-camel-<name>.log`, whose path it returns.
   */
  async stop(): Promise<string> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
    const logFile = path.join(tmpdir(), `bucketbridge-camel-${this.name}.log`);
    writeFileSync(logFile, this.output);
    return logFile;
  }
}
