import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { ConfigurationError } from '../errors';
import { parseListen } from '../events/listen-address';

/**
 * `/healthz` (the process serves), `/readyz` (every source consumes; 503 otherwise and while
 * draining) and `/metrics` (Prometheus text) on `[host:]port`.
 */
export async function serveHealth(address: string, registry: Registry, ready: () => boolean): Promise<Server> {
  const { host, port } = parseListen(address, 'listen');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConfigurationError(`cannot serve /healthz, /readyz and /metrics on ${address}: ${err.message}`)));
    server.listen(port, host, resolve);
  });
  return server;
}
