import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { QuillError } from '@quill/proto';
import type { Logger } from 'pino';
import type { Readiness } from './readiness.js';

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** Rendered in order on every scrape (the array is read each time, so a caller may add to it). */
  registries: readonly Registry[];
  readiness: () => Readiness;
  logger: Logger;
}

export interface MetricsServer {
  readonly port: number;
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Prometheus text exposition format 0.0.4. */
const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Renders the registries one after another (their metric names never overlap). */
export async function renderMetrics(registries: readonly Registry[]): Promise<string> {
  const texts = await Promise.all(registries.map((registry) => registry.metrics()));
  return texts.map((text) => (text.endsWith('\n') || text === '' ? text : `${text}\n`)).join('');
}

/** GET /metrics, /healthz (200 while the process runs) and /readyz (200, or 503 with the reason); anything else 404. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': contentType });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (path === '/healthz') return reply(200, 'ok\n');
    if (path === '/readyz') {
      const readiness = options.readiness();
      return readiness.ready ? reply(200, 'ready\n') : reply(503, `${readiness.reason}\n`);
    }
    if (path !== '/metrics') return reply(404, 'not found\n');
    renderMetrics(options.registries).then(
      (text) => reply(200, text, METRICS_CONTENT_TYPE),
      (error: unknown) => {
        options.logger.warn({ err: (error as Error).message }, 'metrics collection failed');
        reply(500, 'metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new QuillError('INVALID_CONFIG', `cannot listen for metrics on ${options.host}:${options.port}: ${error.message}`)));
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${options.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
