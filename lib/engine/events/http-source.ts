import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpSourceConfig } from '../../model';
import type { DeadLetterReason } from '../observability/replicate-metrics';
import { parseListen } from './listen-address';
import { EventSourceError, type Delivery, type DeliveryHandler, type EventSource, type SourceDeps } from './source';

/** RGW sends one record per POST; this bounds what one request may hold in memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * RGW's HTTP push endpoint. Each POST is answered after its records were applied: 200 when done,
 * 400 for a poison body (retrying it cannot help), 500 when the work failed or the engine is
 * stopping, so that a persistent RGW topic delivers it again. A non-persistent topic drops what
 * it could not deliver: the anti-entropy pass catches that.
 * @see https://docs.ceph.com/en/pacific/radosgw/notifications/#notification-reliability
 */
export class HttpEventSource implements EventSource {
  readonly name: string;
  private server: Server | undefined;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly config: HttpSourceConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name;
  }

  async start(handler: DeliveryHandler): Promise<void> {
    const { host, port } = parseListen(this.config.listen, `sources.${this.name}.listen`);
    const server = createServer((req, res) => {
      const done = this.serve(req, res, handler).catch((err: unknown) => {
        this.deps.logger.error({ err }, 'http delivery failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new EventSourceError(`source '${this.name}' cannot listen on ${this.config.listen}: ${err.message}`)));
      server.listen(port, host, resolve);
    });
    this.server = server;
    this.deps.logger.info({ listen: this.config.listen, port: (server.address() as AddressInfo).port }, 'http source listening');
  }

  private async serve(req: IncomingMessage, res: ServerResponse, handler: DeliveryHandler): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method !== 'POST' || (this.config.path !== '/' && path !== this.config.path)) {
      req.resume();
      res.writeHead(req.method === 'POST' ? 404 : 405).end();
      return;
    }
    if (this.stopping) {
      req.resume();
      res.writeHead(503, { connection: 'close' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        this.deadLettered('poison');
        res.writeHead(413, { connection: 'close' }).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    const delivery: Delivery = { body: Buffer.concat(chunks) };
    const verdict = await handler(delivery);
    if (verdict === 'done') res.writeHead(200).end();
    else if (verdict === 'retry-later') res.writeHead(503).end();
    // HTTP has no dead-letter queue: a poison body is refused for good, failed work is left to the sender's retries.
    else res.writeHead(delivery.deadLetter?.reason === 'poison' ? 400 : 500).end();
  }

  private deadLettered(reason: DeadLetterReason): void {
    this.deps.metrics.deadLettered.inc({ source: this.name, reason });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.inFlight]);
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  ready(): boolean {
    return this.server?.listening === true && !this.stopping;
  }

  /** The bound port (for tests that listen on port 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }
}
