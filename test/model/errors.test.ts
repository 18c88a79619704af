import { describe, expect, it } from 'vitest';
import { Problems, ValidationError, formatValue } from '../../lib/model/errors';

describe('Problems', () => {
  it('throws nothing when no problem was found', () => {
    const problems = new Problems('App/Chart/Thing');
    problems.check(true, 'size', 'must be at least 1', 3);
    expect(() => problems.throwIfAny()).not.toThrow();
  });

  it('throws every problem at once, naming the path, the prop and the value', () => {
    const problems = new Problems('App/Chart/Thing');
    problems.check(false, 'size', 'must be at least 1', 0);
    problems.add('zones[1].name', 'must be unique', 'site-a');
    let error: unknown;
    try {
      problems.throwIfAny();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const ve = error as ValidationError;
    expect(ve.path).toBe('App/Chart/Thing');
    expect(ve.problems).toHaveLength(2);
    expect(ve.message).toContain("'size' must be at least 1, got 0");
    expect(ve.message).toContain(`'zones[1].name' must be unique, got "site-a"`);
  });
});

describe('Problems.checkInteger', () => {
  it('accepts integers in range and names the range otherwise', () => {
    const problems = new Problems('App/Chart/Thing');
    expect(problems.checkInteger('size', 3, 1)).toBe(true);
    expect(problems.checkInteger('port', 443, 1, 65535)).toBe(true);
    expect(problems.checkInteger('size', 1.5, 1)).toBe(false);
    expect(problems.checkInteger('port', 0, 1, 65535)).toBe(false);
    expect(() => problems.throwIfAny()).toThrow(
      "'size' must be an integer of at least 1, got 1.5\n  - 'port' must be an integer from 1 to 65535, got 0",
    );
  });
});

describe('formatValue', () => {
  it('shortens long values to one line', () => {
    const text = formatValue('x'.repeat(500));
    expect(text.length).toBeLessThanOrEqual(80);
    expect(text.endsWith('...')).toBe(true);
  });

  it('renders undefined and objects readably', () => {
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });
});
