/**
 * An HTTP proxy in front of the test gateway that injects the transient failures S3 clients must
 * ride out: a 503 SlowDown answer, a connection reset before any answer, and a reset half-way
 * through a response body. Requests are forwarded byte for byte (the Host header included, so
 * SigV4 signatures made for the proxy's address still verify at the gateway).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'slow-down' | 'reset' | 'reset-mid-body';

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
    private readonly decide: (req: SeenRequest) => Fault,
  ) {
    server.on('request', (req, res) => {
      const id = `${req.method} ${req.url} ${req.headers.range ?? ''}`;
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempt);
      const seen: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, attempt, fault: 'pass' };
      seen.fault = this.decide(seen);
      this.seen.push(seen);
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
          res.writeHead(answer.statusCode ?? 502, answer.headers);
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
      req.pipe(upstream);
    });
  }

  /** Starts a proxy on 127.0.0.1 (a free port) to `target`, faulting requests as `decide` says. */
  static async start(target: string, decide: (req: SeenRequest) => Fault): Promise<FaultyProxy> {
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
