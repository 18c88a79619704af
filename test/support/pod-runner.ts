/**
 * Runs a synthesized Job's container as the kubelet would, with the engine CLI from source: its
 * `args` as rendered, its `env` resolved (literal values, Secret and ConfigMap keys from test data,
 * `fieldRef`s from the pod's metadata), and `$(VAR)` references in the args expanded from that
 * environment. The Kubernetes API comes from `KUBECONFIG` instead of the ServiceAccount mount.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { KubeObject } from './manifests';
import type { CliResult } from '../engine/run-cli';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
}

/** What the cluster would provide to one pod. */
export interface PodContext {
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  /** A kubeconfig file standing in for the pod's ServiceAccount. */
  readonly kubeconfig: string;
}

/** The Job spec of a CronJob or Job. */
export function jobSpecOf(object: KubeObject): Record<string, unknown> {
  const spec = object.spec as Record<string, unknown>;
  if (object.kind === 'CronJob') return ((spec.jobTemplate as Record<string, unknown>).spec ?? {}) as Record<string, unknown>;
  if (object.kind === 'Job') return spec;
  throw new Error(`not a Job or CronJob: ${object.kind}`);
}

function containerOf(object: KubeObject): Container {
  const template = jobSpecOf(object).template as { spec: { containers: Container[] } };
  const container = template.spec.containers[0];
  if (container === undefined) throw new Error('the pod template has no container');
  return container;
}

function fieldValue(path: string, metadata: PodContext['metadata']): string {
  const indexed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (indexed) {
    const map = indexed[1] === 'labels' ? metadata.labels : metadata.annotations;
    return map?.[indexed[2] as string] ?? '';
  }
  if (path === 'metadata.name') return metadata.name;
  if (path === 'metadata.namespace') return metadata.namespace;
  throw new Error(`fieldRef ${path} is not simulated`);
}

/** The container's environment as the kubelet resolves it; a missing non-optional ref fails as the pod would. */
export function resolveEnv(object: KubeObject, pod: PodContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of containerOf(object).env ?? []) {
    const from = e.valueFrom;
    if (from === undefined) {
      env[e.name] = expand(e.value ?? '', env);
    } else if (from.secretKeyRef !== undefined || from.configMapKeyRef !== undefined) {
      const [kind, ref, store] = from.secretKeyRef !== undefined ? ['Secret', from.secretKeyRef, pod.secrets] as const : ['ConfigMap', from.configMapKeyRef as NonNullable<typeof from.configMapKeyRef>, pod.configMaps] as const;
      const value = store[ref.name]?.[ref.key];
      if (value === undefined) {
        if (ref.optional === true) continue;
        throw new Error(`CreateContainerConfigError: ${kind} ${ref.name} has no key ${ref.key}`);
      }
      env[e.name] = value;
    } else if (from.fieldRef !== undefined) {
      env[e.name] = fieldValue(from.fieldRef.fieldPath, pod.metadata);
    } else {
      throw new Error(`env ${e.name}: valueFrom not simulated`);
    }
  }
  return env;
}

/** Kubernetes' `$(VAR)` expansion: defined variables are replaced, `$$` escapes, others stay as written. */
export function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    return name !== undefined && name in env ? (env[name] as string) : whole;
  });
}

/** The container's command line: the args as rendered, `$(VAR)` expanded. */
export function resolveArgs(object: KubeObject, env: Readonly<Record<string, string>>): string[] {
  return (containerOf(object).args ?? []).map((arg) => expand(arg, env));
}

const CLI = join(__dirname, '../../lib/engine/cli.ts');

/** Runs the Job's container for one pod to its end. */
export function runPod(object: KubeObject, pod: PodContext): Promise<CliResult & { args: string[] }> {
  const env = resolveEnv(object, pod);
  const args = resolveArgs(object, env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOSTNAME: pod.metadata.name, KUBECONFIG: pod.kubeconfig, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, args }));
  });
}

/** The JSON log lines a run wrote on stderr. */
export function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
