import { describe, expect, it } from 'vitest';
import { Problems, ValidationError, formatProblem } from '../../lib/model/errors';
import { CRON_MACROS, checkCronSchedule, validateCronSchedule } from '../../lib/model/schedule';

const EXPECTED = 'must be a 5-field cron expression or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly';

describe('validateCronSchedule', () => {
  it.each([
    '0 */12 * * *',
    '0 8 * * *',
    '*/15 * * * *',
    '0 0 1,15 * *',
    '30 2 * * 1-5',
    '0 6 * JAN,JUL MON',
    '0 8 ? * *',
    '  0 8  *  * *  ',
  ])('accepts the 5-field expression %j', (schedule) => {
    expect(validateCronSchedule(schedule)).toBeUndefined();
  });

  it('accepts every descriptor Kubernetes CronJobs accept', () => {
    expect(Object.keys(CRON_MACROS)).toEqual(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
    for (const macro of Object.keys(CRON_MACROS)) expect(validateCronSchedule(macro)).toBeUndefined();
  });

  it('gives each descriptor the expression it stands for, itself valid', () => {
    expect(CRON_MACROS['@hourly']).toBe('0 * * * *');
    expect(CRON_MACROS['@daily']).toBe('0 0 * * *');
    for (const expression of Object.values(CRON_MACROS)) expect(validateCronSchedule(expression)).toBeUndefined();
  });

  it.each([
    ['* * * * * *', `${EXPECTED} (found 6 fields)`],
    ['0 8 * *', `${EXPECTED} (found 4 fields)`],
    ['', `${EXPECTED} (found 0 fields)`],
    ['@every 1h', EXPECTED],
    ['@reboot', EXPECTED],
    ['@weekdays', EXPECTED],
  ])('refuses %j, which is not in the standard dialect', (schedule, rule) => {
    expect(validateCronSchedule(schedule)).toBe(rule);
  });

  it.each([
    ['0 8 L * *', 'day of month', 'L'],
    ['0 8 * * 1#2', 'day of week', '1#2'],
    ['0 8 15W * *', 'day of month', '15W'],
    ['H 8 * * *', 'minute', 'H'],
  ])('refuses %j: cron-parser extensions Kubernetes does not support', (schedule, field, value) => {
    expect(validateCronSchedule(schedule)).toBe(
      `${EXPECTED}: the ${field} field '${value}' uses L, W, # or H, which Kubernetes does not support`,
    );
  });

  it.each([
    ['0 25 * * *', 'Constraint error, got value 25 expected range 0-23'],
    ['60 * * * *', 'Constraint error, got value 60 expected range 0-59'],
    ['*/0 * * * *', 'Constraint error, cannot repeat at every 0 time.'],
    ['5-1 * * * *', 'Invalid range: 5-1, min(5) > max(1)'],
  ])('refuses %j with the parser reason', (schedule, reason) => {
    expect(validateCronSchedule(schedule)).toBe(`${EXPECTED}: ${reason}`);
  });

  it('refuses a value that is not a string', () => {
    expect(validateCronSchedule(12)).toBe(EXPECTED);
    expect(validateCronSchedule(undefined)).toBe(EXPECTED);
  });
});

describe('checkCronSchedule', () => {
  it('records the problem under the prop name and reports validity', () => {
    const problems = new Problems('Policy');
    expect(checkCronSchedule(problems, 'schedule', '@hourly')).toBe(true);
    expect(checkCronSchedule(problems, 'rclone.schedule', '0 8 * * * *')).toBe(false);
    expect(problems.count).toBe(1);
    try {
      problems.throwIfAny();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map(formatProblem)).toEqual([
        `'rclone.schedule' ${EXPECTED} (found 6 fields), got "0 8 * * * *"`,
      ]);
    }
  });
});
