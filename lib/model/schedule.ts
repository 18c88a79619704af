import { CronExpressionParser } from 'cron-parser';
import type { Problems } from './errors';

/**
 * The `@` descriptors a Kubernetes CronJob accepts (robfig/cron's standard parser), each with the
 * five-field expression it stands for.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The name of the ajv format that checks a schedule with {@link validateCronSchedule}. */
export const KUBERNETES_CRON_FORMAT = 'kubernetes-cron';

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/** Month and weekday names a standard cron field may use in place of numbers. */
const NAMES = /\b(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)\b/gi;

/**
 * Checks a schedule in the dialect Kubernetes CronJobs (and the controllers built on them) accept:
 * five fields (minute, hour, day of month, month, day of week) or one of {@link CRON_MACROS}.
 * The fields are parsed by `cron-parser`; what it accepts beyond the standard dialect (a seconds
 * field, `L`, `W`, `#` and `H`, other `@` words) is refused, because the cluster would refuse it.
 *
 * Returns `undefined` when the schedule is valid, else the rule it breaks, phrased to follow a prop
 * name (`'schedule' must be ...`), for {@link Problems.add}.
 */
export function validateCronSchedule(schedule: unknown): string | undefined {
  const expected = `must be a 5-field cron expression or one of ${Object.keys(CRON_MACROS).join(', ')}`;
  if (typeof schedule !== 'string') return expected;
  const text = schedule.trim();
  if (text.startsWith('@')) return text in CRON_MACROS ? undefined : expected;
  const fields = text.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== FIELD_NAMES.length) return `${expected} (found ${fields.length} fields)`;
  for (const [index, field] of fields.entries()) {
    if (/[A-Z]/i.test(field.replace(NAMES, '')) || field.includes('#')) {
      return `${expected}: the ${FIELD_NAMES[index]} field '${field}' uses L, W, # or H, which Kubernetes does not support`;
    }
  }
  try {
    CronExpressionParser.parse(fields.join(' '));
  } catch (error) {
    return `${expected}: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * Records a problem on `problems` unless `schedule` is valid (see {@link validateCronSchedule}).
 * Returns whether it is valid.
 */
export function checkCronSchedule(problems: Problems, prop: string, schedule: unknown): boolean {
  const rule = validateCronSchedule(schedule);
  if (rule !== undefined) problems.add(prop, rule, schedule);
  return rule === undefined;
}
