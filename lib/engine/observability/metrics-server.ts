import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { ConfigurationError } from '../errors';

/** Serves `GET /metrics` in the Prometheus text format on `host:port`; a bad or busy address is a ConfigurationError. */
export async function serveMetrics(address: string, registry: Registry): Promise<Server> {
  const match = /^(?:(.*):)?(\d+)$/.exec(address);
  if (match === null) throw new ConfigurationError(`'--metrics-addr' must be [host:]port, got ${JSON.stringify(address)}`);
  const host = match[1] === undefined || match[1] === '' ? '0.0.0.0' : match[1].replace(/^\[|\]$/g, '');
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConfigurationError(`cannot serve metrics on ${address}: ${err.message}`)));
    server.listen(Number(match[2]), host, resolve);
  });
  return server;
}
