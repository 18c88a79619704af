import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * Keys to delete, written to a temporary file (one JSON string per line) while the listings are
 * merged, and read back after every copy succeeded. Memory stays flat however many extras there are.
 */
export class DeleteSpool {
  private readonly path = join(tmpdir(), `bucketbridge-deletes-${process.pid}-${randomBytes(6).toString('hex')}.jsonl`);
  private stream: WriteStream | undefined;
  count = 0;

  async add(key: string): Promise<void> {
    this.stream ??= createWriteStream(this.path);
    this.count += 1;
    if (!this.stream.write(`${JSON.stringify(key)}\n`)) await once(this.stream, 'drain');
  }

  async *keys(): AsyncGenerator<string> {
    if (this.stream === undefined) return;
    await this.finish();
    const lines = createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') yield JSON.parse(line) as string;
  }

  /** Groups the keys into batches of `size` (DeleteObjects takes up to 1,000). */
  async *batches(size: number): AsyncGenerator<string[]> {
    let batch: string[] = [];
    for await (const key of this.keys()) {
      batch.push(key);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  private async finish(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined || stream.closed) return;
    stream.end();
    await once(stream, 'close');
  }

  async dispose(): Promise<void> {
    await this.finish();
    await rm(this.path, { force: true });
  }
}
