import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** `host:port` actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * The operational HTTP endpoint: `/metrics` (Prometheus text), `/healthz` (liveness: the process
 * answers), `/readyz` (readiness: a bundle is active and the service is not shutting down).
 */
/** What /metrics serves: one registry, or the aggregate of a primary and its workers. */
export type MetricsSource = Pick<Registry, 'metrics' | 'contentType'>;

export async function startMetricsServer(listen: string, options: { registry: MetricsSource; ready: () => boolean }): Promise<MetricsServer> {
  const index = listen.lastIndexOf(':');
  if (index < 0) throw new Error(`expected host:port, got '${listen}'`);
  const host = listen.slice(0, index).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(index + 1));
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => response.writeHead(500).end('metrics unavailable\n'),
      );
    } else if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = options.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${listen.slice(0, index)}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
