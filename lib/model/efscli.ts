import { Problems } from './errors';

/**
 * One EdgeFS name: a region (efscli calls it a cluster namespace), tenant, bucket or service.
 * efscli only refuses `/` and spaces; this also keeps the names free of shell metacharacters, so
 * the rendered script needs no quoting.
 */
const EDGEFS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * What an EdgeFS S3X service needs before Rook can run it, in the words of `efscli`.
 * @see https://github.com/rook/rook/blob/v1.5.12/Documentation/edgefs-s3x-crd.md#setting-up-edgefs-namespace-and-tenant
 */
export interface S3XInitPlan {
  /** The EdgeFS service name, `efscli service create s3x <service>`. */
  readonly service: string;
  /**
   * The tenant the service serves, `Region/Tenant` (`efscli service serve <service> Region/Tenant`).
   * efscli serves an S3X service exactly one whole tenant, never a single bucket.
   */
  readonly tenant: string;
  /**
   * Buckets to create in that tenant, each `Region/Tenant/Bucket`.
   * @default - no buckets
   */
  readonly buckets?: readonly string[];
  /**
   * Start with `efscli system init -f`: accept the discovered FlexHash table and create the site's
   * root object. Needed once per EdgeFS site; a later run reports "Already initialized".
   * @default true
   */
  readonly systemInit?: boolean;
}

/** One `efscli` invocation of a set-up script. */
export interface EfscliStep {
  /** The arguments after `efscli`. */
  readonly args: readonly string[];
  /** The arguments of an `efscli` query that succeeds when the object exists; the step is skipped then. */
  readonly skipIf?: readonly string[];
  /** Output of a failed step that means an earlier run did it (for steps efscli has no query for). */
  readonly doneMessage?: string;
}

/** Records every problem of a plan on `problems`, with props named `<prefix>.<field>`. */
export function checkS3XInitPlan(problems: Problems, prefix: string, plan: S3XInitPlan): void {
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  problems.check(EDGEFS_NAME.test(plan.service), at('service'), nameRule, plan.service);
  const tenantOk = checkPath(problems, at('tenant'), plan.tenant, 2, 'a Region/Tenant path (efscli serves an S3X service a whole tenant)');
  const buckets = plan.buckets ?? [];
  buckets.forEach((bucket, index) => {
    const prop = at(`buckets[${index}]`);
    if (!checkPath(problems, prop, bucket, 3, 'a Region/Tenant/Bucket path')) return;
    if (tenantOk) problems.check(bucket.startsWith(`${plan.tenant}/`), prop, `must be in the served tenant ${plan.tenant}`, bucket);
    problems.check(buckets.indexOf(bucket) === index, prop, 'must be unique', bucket);
  });
}

const nameRule = 'must be an EdgeFS name of letters, digits, ".", "_" and "-", starting with a letter or digit';

function checkPath(problems: Problems, prop: string, path: string, segments: number, what: string): boolean {
  const parts = path.split('/');
  const ok = parts.length === segments && parts.every((part) => EDGEFS_NAME.test(part));
  return problems.check(ok, prop, `must be ${what} of EdgeFS names (letters, digits, ".", "_", "-")`, path);
}

/**
 * The ordered `efscli` steps that prepare an S3X service, as the Rook EdgeFS guide gives them:
 * `system init`, `cluster create`, `tenant create`, `bucket create` (each bucket), `service create s3x`,
 * `service serve`. Each step is skipped when its object exists, so the steps can run again.
 * Throws a `ValidationError` (path `path`) when the plan is invalid.
 */
export function s3xInitSteps(plan: S3XInitPlan, path = 'S3XInitPlan'): EfscliStep[] {
  const problems = new Problems(path);
  checkS3XInitPlan(problems, '', plan);
  problems.throwIfAny();
  const [region = ''] = plan.tenant.split('/');
  const steps: EfscliStep[] = [];
  if (plan.systemInit ?? true) steps.push({ args: ['system', 'init', '-f'], doneMessage: 'Already initialized' });
  steps.push({ args: ['cluster', 'create', region], skipIf: ['cluster', 'show', region] });
  steps.push({ args: ['tenant', 'create', plan.tenant], skipIf: ['tenant', 'show', plan.tenant] });
  for (const bucket of plan.buckets ?? []) {
    steps.push({ args: ['bucket', 'create', bucket], skipIf: ['bucket', 'show', bucket] });
  }
  steps.push({ args: ['service', 'create', 's3x', plan.service], skipIf: ['service', 'show', plan.service] });
  steps.push({ args: ['service', 'serve', plan.service, plan.tenant], doneMessage: 'Export already exists' });
  return steps;
}

/** The command line of a step, e.g. `efscli tenant create Hawaii/Cola`. */
export function efscliCommandLine(step: EfscliStep): string {
  return ['efscli', ...step.args].map(shellWord).join(' ');
}

/** A word as the shell reads it back: unchanged when plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_.\/@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Renders steps as a POSIX shell script that stops at the first failing step. A step with `skipIf`
 * runs only when its query fails; a step with `doneMessage` counts as done when it fails with that
 * message in its output.
 */
export function renderEfscliScript(steps: readonly EfscliStep[], description: string): string {
  const lines = [
    '#!/bin/sh',
    `# ${description.replace(/\s+/g, ' ')}`,
    '# Rendered by bucketbridge. Every step is skipped when an earlier run did it, so the script can run again.',
    'set -eu',
    '',
  ];
  if (steps.some((step) => step.doneMessage !== undefined)) {
    lines.push(
      '# efscli_once MESSAGE ARGS...: runs efscli ARGS; a failure whose output holds MESSAGE means an earlier run did it.',
      'efscli_once() {',
      '  message=$1',
      '  shift',
      '  if output=$(efscli "$@" 2>&1); then',
      '    printf \'%s\\n\' "$output"',
      '  else',
      '    case $output in',
      '      *"$message"*) printf \'done before: efscli %s\\n\' "$*" ;;',
      '      *) printf \'%s\\n\' "$output" >&2; exit 1 ;;',
      '    esac',
      '  fi',
      '}',
      '',
    );
  }
  for (const step of steps) {
    if (step.doneMessage !== undefined) {
      lines.push(['efscli_once', step.doneMessage, ...step.args].map(shellWord).join(' '));
    } else if (step.skipIf !== undefined) {
      const query = efscliCommandLine({ args: step.skipIf });
      lines.push(`${query} >/dev/null 2>&1 || ${efscliCommandLine(step)}`);
    } else {
      lines.push(efscliCommandLine(step));
    }
  }
  return `${lines.join('\n')}\n`;
}
