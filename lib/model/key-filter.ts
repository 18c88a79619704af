import picomatch from 'picomatch';

/**
 * `--include` / `--exclude` globs over keys relative to the location. A key passes when it matches
 * some include (or there are none) and no exclude. Keys that do not pass are neither copied nor
 * deleted, on either side. `*` stays within one `/` segment, `**` crosses them, dots match.
 */
export class KeyFilter {
  private readonly includes: picomatch.Matcher | undefined;
  private readonly excludes: picomatch.Matcher | undefined;

  constructor(include: readonly string[] = [], exclude: readonly string[] = []) {
    const options: picomatch.PicomatchOptions = { dot: true };
    this.includes = include.length > 0 ? picomatch([...include], options) : undefined;
    this.excludes = exclude.length > 0 ? picomatch([...exclude], options) : undefined;
  }

  matches(key: string): boolean {
    if (this.includes !== undefined && !this.includes(key)) return false;
    return this.excludes === undefined || !this.excludes(key);
  }
}
