import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  efscliCommandLine,
  renderEfscliScript,
  s3xInitSteps,
  type S3XInitPlan,
} from '../../lib/model/efscli';
import { ValidationError, formatProblem } from '../../lib/model/errors';

const cola: S3XInitPlan = { service: 's3x-cola', tenant: 'Hawaii/Cola', buckets: ['Hawaii/Cola/bk1'] };

const COLA_SCRIPT = `#!/bin/sh
# EdgeFS set-up of the S3X service s3x-cola
# Rendered by bucketbridge. Every step is skipped when an earlier run did it, so the script can run again.
set -eu

# efscli_once MESSAGE ARGS...: runs efscli ARGS; a failure whose output holds MESSAGE means an earlier run did it.
efscli_once() {
  message=$1
  shift
  if output=$(efscli "$@" 2>&1); then
    printf '%s\\n' "$output"
  else
    case $output in
      *"$message"*) printf 'done before: efscli %s\\n' "$*" ;;
      *) printf '%s\\n' "$output" >&2; exit 1 ;;
    esac
  fi
}

efscli_once 'Already initialized' system init -f
efscli cluster show Hawaii >/dev/null 2>&1 || efscli cluster create Hawaii
efscli tenant show Hawaii/Cola >/dev/null 2>&1 || efscli tenant create Hawaii/Cola
efscli bucket show Hawaii/Cola/bk1 >/dev/null 2>&1 || efscli bucket create Hawaii/Cola/bk1
efscli service show s3x-cola >/dev/null 2>&1 || efscli service create s3x s3x-cola
efscli_once 'Export already exists' service serve s3x-cola Hawaii/Cola
`;

function problems(plan: S3XInitPlan): string[] {
  try {
    s3xInitSteps(plan, 'Init');
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toBe('Init');
    return (error as ValidationError).problems.map(formatProblem);
  }
  throw new Error('expected a ValidationError');
}

describe('s3xInitSteps', () => {
  it('lists the Rook guide steps in order: system init, cluster, tenant, buckets, service create, serve', () => {
    const steps = s3xInitSteps({ ...cola, buckets: ['Hawaii/Cola/bk1', 'Hawaii/Cola/bk2'] });
    expect(steps.map(efscliCommandLine)).toEqual([
      'efscli system init -f',
      'efscli cluster create Hawaii',
      'efscli tenant create Hawaii/Cola',
      'efscli bucket create Hawaii/Cola/bk1',
      'efscli bucket create Hawaii/Cola/bk2',
      'efscli service create s3x s3x-cola',
      'efscli service serve s3x-cola Hawaii/Cola',
    ]);
  });

  it('guards each create with the matching show query, and the other steps with their "done" message', () => {
    const steps = s3xInitSteps(cola);
    expect(steps.map((step) => [step.skipIf?.join(' '), step.doneMessage])).toEqual([
      [undefined, 'Already initialized'],
      ['cluster show Hawaii', undefined],
      ['tenant show Hawaii/Cola', undefined],
      ['bucket show Hawaii/Cola/bk1', undefined],
      ['service show s3x-cola', undefined],
      [undefined, 'Export already exists'],
    ]);
  });

  it('leaves out system init when asked, and bucket steps when there are no buckets', () => {
    const steps = s3xInitSteps({ service: 's3x-pepsi', tenant: 'Hawaii/Pepsi', systemInit: false });
    expect(steps.map(efscliCommandLine)).toEqual([
      'efscli cluster create Hawaii',
      'efscli tenant create Hawaii/Pepsi',
      'efscli service create s3x s3x-pepsi',
      'efscli service serve s3x-pepsi Hawaii/Pepsi',
    ]);
  });

  it('fails when the served path names a bucket: efscli serves an S3X service a whole tenant', () => {
    expect(problems({ service: 's3xPepsi', tenant: 'Hawaii/Pepsi/bk1' })).toEqual([
      `'tenant' must be a Region/Tenant path (efscli serves an S3X service a whole tenant) of EdgeFS names (letters, digits, ".", "_", "-"), got "Hawaii/Pepsi/bk1"`,
    ]);
  });

  it('fails on names efscli or the shell would misread, and on buckets outside the tenant or repeated', () => {
    expect(
      problems({
        service: 's3x cola',
        tenant: 'Hawaii/Co la',
        buckets: ['Hawaii/Cola', 'Hawaii/Pepsi/bk1', 'Hawaii/Cola/$(reboot)'],
      }),
    ).toEqual([
      `'service' must be an EdgeFS name of letters, digits, ".", "_" and "-", starting with a letter or digit, got "s3x cola"`,
      `'tenant' must be a Region/Tenant path (efscli serves an S3X service a whole tenant) of EdgeFS names (letters, digits, ".", "_", "-"), got "Hawaii/Co la"`,
      `'buckets[0]' must be a Region/Tenant/Bucket path of EdgeFS names (letters, digits, ".", "_", "-"), got "Hawaii/Cola"`,
      `'buckets[2]' must be a Region/Tenant/Bucket path of EdgeFS names (letters, digits, ".", "_", "-"), got "Hawaii/Cola/$(reboot)"`,
    ]);
    expect(problems({ ...cola, buckets: ['Hawaii/Pepsi/bk1', 'Hawaii/Cola/bk1', 'Hawaii/Cola/bk1'] })).toEqual([
      `'buckets[0]' must be in the served tenant Hawaii/Cola, got "Hawaii/Pepsi/bk1"`,
      `'buckets[2]' must be unique, got "Hawaii/Cola/bk1"`,
    ]);
  });
});

describe('renderEfscliScript', () => {
  it('renders the exact script, one line per step in order', () => {
    expect(renderEfscliScript(s3xInitSteps(cola), 'EdgeFS set-up of the S3X service s3x-cola')).toBe(COLA_SCRIPT);
  });

  it('quotes a word the shell would split or expand', () => {
    const script = renderEfscliScript([{ args: ['object', 'put', "it's here", '$HOME'] }], 'quoting');
    expect(script.split('\n').at(-2)).toBe(`efscli object put 'it'\\''s here' '$HOME'`);
    expect(script).not.toContain('efscli_once()');
  });

  it('keeps a multi-line description on one comment line', () => {
    expect(renderEfscliScript([], 'set-up of\nrm -rf /').split('\n')[1]).toBe('# set-up of rm -rf /');
  });
});

describe('the rendered script, run by sh against a stand-in efscli that keeps state', () => {
  const work = mkdtempSync(join(tmpdir(), 'bucketbridge-efscli-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  // Mimics efscli's behaviour as read from its source: show fails for a missing object, create does
  // not check, system init prints "Already initialized" and may then fail, serve refuses a second tenant.
  writeFileSync(
    join(bin, 'efscli'),
    `#!/bin/sh
state=$EFSCLI_STATE
echo "$*" >> "$state/calls"
case "$1 $2" in
  "system init") if [ -e "$state/system" ]; then echo "Already initialized"; echo "ccow_system_init err=-17"; exit 1; fi; touch "$state/system" ;;
  "cluster show"|"tenant show"|"bucket show"|"service show") [ -e "$state/$(printf '%s' "$1-$3-" | tr '/' '_')" ] || { echo "ENOENT"; exit 1; } ;;
  "cluster create"|"tenant create"|"bucket create") touch "$state/$(printf '%s' "$1-$3-" | tr '/' '_')" ;;
  "service create") touch "$state/service-$4-" ;;
  "service serve")
    if [ -e "$state/serve-$3" ]; then
      if [ "$(cat "$state/serve-$3")" = "$4" ]; then echo "Export already exists: $4"; else echo "Can't serve more then one tenant"; fi
      exit 1
    fi
    echo "$4" > "$state/serve-$3"; echo "Serving new tenant $4" ;;
  *) echo "unexpected: $*"; exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, 'efscli'), 0o755);

  function run(script: string, state: string) {
    const file = join(work, 'init.sh');
    writeFileSync(file, script);
    const result = spawnSync('sh', [file], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, EFSCLI_STATE: state },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function calls(state: string): string[] {
    return readFileSync(join(state, 'calls'), 'utf8').trim().split('\n');
  }

  it('creates everything in order on the first run and changes nothing on the second', () => {
    const state = mkdtempSync(join(work, 'state-'));
    expect(run(COLA_SCRIPT, state)).toMatchObject({ status: 0, stderr: '' });
    expect(calls(state)).toEqual([
      'system init -f',
      'cluster show Hawaii',
      'cluster create Hawaii',
      'tenant show Hawaii/Cola',
      'tenant create Hawaii/Cola',
      'bucket show Hawaii/Cola/bk1',
      'bucket create Hawaii/Cola/bk1',
      'service show s3x-cola',
      'service create s3x s3x-cola',
      'service serve s3x-cola Hawaii/Cola',
    ]);
    rmSync(join(state, 'calls'));
    const again = run(COLA_SCRIPT, state);
    expect(again).toMatchObject({ status: 0, stderr: '' });
    expect(again.stdout).toBe('done before: efscli system init -f\ndone before: efscli service serve s3x-cola Hawaii/Cola\n');
    expect(calls(state)).toEqual([
      'system init -f',
      'cluster show Hawaii',
      'tenant show Hawaii/Cola',
      'bucket show Hawaii/Cola/bk1',
      'service show s3x-cola',
      'service serve s3x-cola Hawaii/Cola',
    ]);
  });

  it('stops with the efscli message when a step fails for another reason', () => {
    const state = mkdtempSync(join(work, 'state-'));
    writeFileSync(join(state, 'serve-s3x-cola'), 'Hawaii/Pepsi');
    const result = run(COLA_SCRIPT, state);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("Can't serve more then one tenant\n");
  });

  it('stops at the first failing create', () => {
    const state = mkdtempSync(join(work, 'state-'));
    const script = renderEfscliScript(s3xInitSteps({ ...cola, buckets: ['Hawaii/Cola/bad'] }), 'failing');
    const failing = script.replace('efscli bucket create Hawaii/Cola/bad', 'efscli bucket explode Hawaii/Cola/bad');
    const result = run(failing, state);
    expect(result.status).toBe(2);
    expect(calls(state).at(-1)).toBe('bucket explode Hawaii/Cola/bad');
  });
});
