/**
 * An HTTP proxy in front of the test gateway that injects the failures S3 clients must ride out or
 * detect: a 503 SlowDown answer, a connection reset before any answer or half-way through a
 * response body, silence (the request is read and never answered), headers followed by a body
 * that stalls, one flipped byte in a request body, and a listing page stripped of its
 * continuation token. Requests are otherwise forwarded byte for byte (the Host header included,
 * so SigV4 signatures made for the proxy's address still verify at the gateway). `decide` may
 * return a promise, to hold a request until the test has done something (e.g. overwritten the
 * object it reads).
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'slow-down' | 'reset' | 'reset-mid-body' | 'silent' | 'stall-body' | 'corrupt-body' | 'drop-token';

export interface SeenRequest {
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** How many times this method, URL and Range have been seen, this one included. */
  readonly attempt: number;
  /** What the proxy did with it. */
  fault: Fault;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

export class FaultyProxy {
  readonly seen: SeenRequest[] = [];
  private readonly attempts = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    private readonly decide: (req: SeenRequest) => Fault | Promise<Fault>,
  ) {
    server.on('request', (req, res) => {
      const id = `${req.method} ${req.url} ${req.headers.range ?? ''}`;
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempt);
      const seen: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, attempt, fault: 'pass' };
      this.seen.push(seen);
      void Promise.resolve(this.decide(seen)).then((fault) => {
        seen.fault = fault;
        this.handle(seen, req, res);
      });
    });
  }

  private handle(seen: SeenRequest, req: IncomingMessage, res: ServerResponse): void {
    if (seen.fault === 'silent') {
      req.resume();
      return;
    }
    if (seen.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (seen.fault === 'slow-down') {
      req.resume();
      req.on('end', () => res.writeHead(503, { 'content-type': 'application/xml', connection: 'close' }).end(SLOW_DOWN));
      return;
    }
    const upstream = request(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (seen.fault === 'drop-token') {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const stripped = Buffer.from(Buffer.concat(chunks).toString('utf8').replace(/<NextContinuationToken>[^<]*<\/NextContinuationToken>/, ''));
            const headers = { ...answer.headers, 'content-length': String(stripped.length) };
            delete headers['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 502, headers).end(stripped);
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (seen.fault === 'stall-body') {
          // Half of the first chunk, then nothing more, with the connection left open.
          answer.once('data', (chunk: Buffer) => {
            res.write(chunk.subarray(0, Math.ceil(chunk.length / 2)));
            answer.destroy();
          });
          return;
        }
        if (seen.fault !== 'reset-mid-body') {
          answer.pipe(res);
          return;
        }
        // Send some of the body, then drop the connection as a failing network would.
        answer.once('data', (chunk: Buffer) => {
          res.write(chunk.subarray(0, Math.ceil(chunk.length / 2)), () => res.socket?.destroy());
          answer.destroy();
        });
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    if (seen.fault !== 'corrupt-body') {
      req.pipe(upstream);
      return;
    }
    // One byte of the body flipped on the way, its length unchanged.
    let flipped = false;
    req.on('data', (chunk: Buffer) => {
      if (!flipped && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        const at = Math.floor(chunk.length / 2);
        chunk[at] = (chunk[at] ?? 0) ^ 0xff;
        flipped = true;
      }
      upstream.write(chunk);
    });
    req.on('end', () => upstream.end());
  }

  /** Starts a proxy on 127.0.0.1 (a free port) to `target`, faulting requests as `decide` says. */
  static async start(target: string, decide: (req: SeenRequest) => Fault | Promise<Fault>): Promise<FaultyProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FaultyProxy(server, new URL(target), decide);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The requests seen that match, in order. */
  requests(match: (req: SeenRequest) => boolean): SeenRequest[] {
    return this.seen.filter(match);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
