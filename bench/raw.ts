/**
 * The gateway's ceiling: plain SDK loops with a fixed number of requests in flight, run as a child
 * process (bundled like the engine) so its peak RSS is measured the same way as the tools'.
 *   raw put <bucket> <count> <bytes> <concurrency>
 *   raw copy <src-bucket> <dst-bucket> <concurrency>     (server-side CopyObject of every key)
 * Credentials come from AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
 * Prints progress on stderr; exits non-zero on the first failed request.
 */
import { client, copyObjects, putObjects } from './s3';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function progress(total: number | undefined): (done: number) => void {
  let last = 0;
  return (done) => {
    const now = Date.now();
    if (now - last < 2000 && done !== total) return;
    last = now;
    process.stderr.write(`  ${done}${total ? `/${total}` : ''}\r`);
  };
}

async function main(argv: string[]): Promise<void> {
  const s3 = client({
    endpoint: env('AWS_ENDPOINT_URL_S3'),
    region: env('AWS_REGION'),
    accessKeyId: env('AWS_ACCESS_KEY_ID'),
    secretAccessKey: env('AWS_SECRET_ACCESS_KEY'),
  });
  const [mode, ...args] = argv;
  if (mode === 'put' && args.length === 4) {
    const [bucket, count, bytes, concurrency] = args as [string, string, string, string];
    await putObjects(s3, bucket, Number(count), Number(bytes), Number(concurrency), progress(Number(count)));
  } else if (mode === 'copy' && args.length === 3) {
    const [src, dst, concurrency] = args as [string, string, string];
    await copyObjects(s3, src, dst, Number(concurrency), progress(undefined));
  } else {
    throw new Error('usage: raw put <bucket> <count> <bytes> <concurrency> | raw copy <src> <dst> <concurrency>');
  }
  process.stderr.write('\n');
  s3.destroy();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
