import { describe, expect, it } from 'vitest';
import { Problems, checkCronSchedule, checkTimeZone, longestIntervalSeconds, validateCronSchedule } from '../../lib/model';

describe('validateCronSchedule', () => {
  it.each(['@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually', '@midnight', '0 2 * * *', '*/15 * * * *', '0 0 1,15 * MON-FRI', '30 4 1 JAN *', '0-30/5 1-3 * * 0', '0 0 ? * *'])(
    'accepts %s',
    (schedule) => {
      expect(validateCronSchedule(schedule)).toBeUndefined();
    },
  );

  it.each([
    ['@every 5m', 'must be a 5-field cron expression or one of @yearly'],
    ['@reboot', 'must be a 5-field cron expression or one of'],
    ['0 2 * *', '(found 4 fields)'],
    ['0 0 2 * * *', '(found 6 fields)'],
    ['60 * * * *', 'must be a 5-field cron expression'],
    ['0 25 * * *', 'must be a 5-field cron expression'],
    ['0 0 L * *', "the day of month field 'L' uses L, W, # or H"],
    ['0 0 * * 1#2', "the day of week field '1#2' uses L, W, # or H"],
    ['H * * * *', "the minute field 'H' uses"],
    ['TZ=Europe/Berlin 0 2 * * *', "with the time zone in 'timeZone'"],
    ['', '(found 0 fields)'],
  ])('refuses %j', (schedule, rule) => {
    expect(validateCronSchedule(schedule)).toContain(rule);
  });

  it('refuses a value that is not a string', () => {
    expect(validateCronSchedule(5)).toMatch(/^must be a 5-field cron expression/);
  });

  it('records the problem under the prop name', () => {
    const problems = new Problems('chart/policy');
    expect(checkCronSchedule(problems, 'schedule', '@fortnightly')).toBe(false);
    expect(() => problems.throwIfAny()).toThrow(/'schedule' must be a 5-field cron expression or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, got "@fortnightly"/);
  });
});

describe('checkTimeZone', () => {
  it('accepts IANA names and refuses others', () => {
    const problems = new Problems('p');
    expect(checkTimeZone(problems, 'timeZone', 'Europe/Berlin')).toBe(true);
    expect(checkTimeZone(problems, 'timeZone', 'Etc/UTC')).toBe(true);
    expect(checkTimeZone(problems, 'timeZone', 'Mars/Olympus')).toBe(false);
    expect(checkTimeZone(problems, 'timeZone', 'UTC+2 ')).toBe(false);
    expect(problems.count).toBe(2);
  });
});

describe('longestIntervalSeconds', () => {
  it('is the longest gap between runs', () => {
    expect(longestIntervalSeconds('@daily')).toBe(86_400);
    expect(longestIntervalSeconds('*/15 * * * *')).toBe(900);
    expect(longestIntervalSeconds('0 2 * * 1-5')).toBe(3 * 86_400);
    expect(longestIntervalSeconds('@monthly')).toBe(31 * 86_400);
    expect(longestIntervalSeconds('@yearly')).toBe(365 * 86_400);
  });
});
