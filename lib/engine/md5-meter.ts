import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged, hashing them: the MD5 of what was actually sent or written. */
export class Md5Meter extends Transform {
  private readonly hash = createHash('md5');
  private digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** The MD5 (hex) of everything that passed; call once the stream has been consumed. */
  md5(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}
