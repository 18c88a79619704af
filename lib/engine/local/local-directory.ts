import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { batched, compareKeys, type LocalLocation, type ObjectEntry } from '../../model';
import type { EngineContext } from '../context';
import { ConfigurationError, IntegrityError } from '../errors';
import { Md5Meter } from '../md5-meter';

/** Files being written are named so; listings skip them and they are removed on failure. */
const TEMP_PREFIX = '.bucketbridge-';
const MAX_NAME_BYTES = 255;
const LIST_BATCH = 1000;

/**
 * A local directory as one side of a sync. Keys are paths relative to the root with `/`
 * separators. Listing walks one directory at a time, sorted so that the whole walk comes out in
 * UTF-8 byte order of keys, like an S3 listing. Writes go to a temporary file that is renamed into
 * place, so no partial file is ever visible.
 */
export class LocalDirectory {
  constructor(
    readonly location: LocalLocation,
    private readonly ctx: EngineContext,
  ) {}

  get root(): string {
    return this.location.path;
  }

  /** Whether the directory was found missing by `probe()`; it then lists as empty. */
  private missing = false;

  /**
   * Checks the directory. A missing source is a ConfigurationError; a missing destination is
   * created, or (for a dry run or a check, which change nothing) listed as empty.
   */
  async probe(role: 'source' | 'destination', create: boolean): Promise<void> {
    try {
      const info = await stat(this.root);
      if (!info.isDirectory()) throw new ConfigurationError(`'${this.root}' is not a directory`);
    } catch (err) {
      if (err instanceof ConfigurationError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigurationError(`cannot read '${this.root}': ${String(err)}`);
      if (role === 'source') throw new ConfigurationError(`directory '${this.root}' does not exist`);
      if (create) await mkdir(this.root, { recursive: true });
      else this.missing = true;
    }
  }

  /** The files in key order, in batches of up to 1,000 like an S3 listing's pages. */
  async *list(): AsyncGenerator<ObjectEntry[]> {
    if (!this.missing) yield* batched(this.walk(this.root, ''), LIST_BATCH);
  }

  private async *walk(directory: string, keyPrefix: string): AsyncGenerator<ObjectEntry> {
    const children: { name: string; sortKey: string; isDirectory: boolean }[] = [];
    const handle = await opendir(directory);
    for await (const dirent of handle) {
      if (dirent.name.startsWith(TEMP_PREFIX)) continue;
      if (dirent.isDirectory()) children.push({ name: dirent.name, sortKey: `${dirent.name}/`, isDirectory: true });
      else if (dirent.isFile()) children.push({ name: dirent.name, sortKey: dirent.name, isDirectory: false });
    }
    children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const child of children) {
      if (this.ctx.signal.aborted) return;
      const path = join(directory, child.name);
      if (child.isDirectory) {
        yield* this.walk(path, `${keyPrefix}${child.name}/`);
      } else {
        const info = await stat(path);
        yield { key: keyPrefix + child.name, size: info.size, modified: info.mtime };
      }
    }
  }

  /** The file for a key, or an error if the key cannot be a path here (`a//b`, `..`, long names). */
  pathOf(key: string): string {
    const segments = key.split('/');
    for (const segment of segments) {
      if (segment === '' || segment === '.' || segment === '..' || segment.includes(sep) || segment.includes('\0')) {
        throw new Error(`key cannot be a local file name (empty, '.' or '..' segment)`);
      }
      if (Buffer.byteLength(segment) > MAX_NAME_BYTES) throw new Error(`key has a segment over ${MAX_NAME_BYTES} bytes`);
    }
    return join(this.root, ...segments);
  }

  /** A file's bytes (a range of them when given); the request that consumes it carries the abort. */
  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(key), range);
  }

  /**
   * Writes `body` to a temporary file beside the target, sets its mtime, then renames it into
   * place. With `md5` (hex), the bytes written must have that MD5 (`IntegrityError` otherwise, and
   * nothing is renamed into place).
   */
  async write(key: string, body: Readable, modified: Date, md5?: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      const meter = new Md5Meter();
      await pipeline(body, meter, createWriteStream(temp), { signal: this.ctx.signal });
      if (md5 !== undefined && meter.md5() !== md5) throw new IntegrityError(`'${key}': the bytes read have MD5 ${meter.md5()}, the source's is ${md5}`);
      await utimes(temp, modified, modified);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key));
  }
}
