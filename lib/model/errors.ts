/**
 * One problem with one prop: `'<prop>' <rule>, got <value>`.
 */
export interface Problem {
  /** Dotted path of the prop inside the props object, e.g. `zones[1].name`. */
  readonly prop: string;
  /** What the prop must satisfy, phrased to follow the prop name ("must be unique"). */
  readonly rule: string;
  /** The offending value, rendered into the message. */
  readonly value: unknown;
}

const MAX_VALUE_CHARS = 80;

/** Renders a value for an error message: JSON where possible, shortened, never multi-line. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return '[function]';
  let text: string;
  try {
    text = typeof value === 'bigint' ? value.toString() : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
}

export function formatProblem(problem: Problem): string {
  return `'${problem.prop}' ${problem.rule}, got ${formatValue(problem.value)}`;
}

/**
 * Thrown once per construct or component with every problem found in its props, so a user fixes
 * them all in one pass. `path` is the construct path (cdk8s) or resource name (Pulumi).
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';

  constructor(
    readonly path: string,
    readonly problems: readonly Problem[],
  ) {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    super(`${path}: invalid props (${problems.length}):\n${lines.join('\n')}`);
  }
}

/**
 * Collects problems while props are checked, then throws them together.
 *
 * ```ts
 * const problems = new Problems(this.node.path);
 * problems.check(props.size > 0, 'size', 'must be at least 1', props.size);
 * problems.throwIfAny();
 * ```
 */
export class Problems {
  private readonly found: Problem[] = [];

  constructor(private readonly path: string) {}

  add(prop: string, rule: string, value: unknown): void {
    this.found.push({ prop, rule, value });
  }

  /** Records a problem unless `ok` holds. Returns `ok` so callers can skip dependent checks. */
  check(ok: boolean, prop: string, rule: string, value: unknown): boolean {
    if (!ok) this.add(prop, rule, value);
    return ok;
  }

  /** Records a problem unless `value` is an integer of at least `min` (and at most `max`, when given). */
  checkInteger(prop: string, value: number, min: number, max?: number): boolean {
    const ok = Number.isInteger(value) && value >= min && (max === undefined || value <= max);
    const rule = max === undefined ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;
    return this.check(ok, prop, rule, value);
  }

  get count(): number {
    return this.found.length;
  }

  throwIfAny(): void {
    if (this.found.length > 0) throw new ValidationError(this.path, [...this.found]);
  }
}
