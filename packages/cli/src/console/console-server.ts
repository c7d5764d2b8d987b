import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { QuillError, errorInfo, type Quill } from '@quill/client';
import type { Logger } from 'pino';
import { ConsoleApi } from './console-api.js';
import { DEFAULT_CONSOLE_LIMITS, type ConsoleLimits } from './console-config.js';
import { findRoute } from './console-routes.js';

/** The bundle scripts/console-build.mjs writes at install (the same path from src/ and from dist/). */
export const CONSOLE_ASSETS_DIR = fileURLToPath(new URL('../../console-ui/', import.meta.url));

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** Scripts and styles only from the console itself: injected markup could run nothing even if it got in. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export interface ConsoleServerOptions {
  quill: Quill;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  limits?: ConsoleLimits;
  assetsDir?: string;
}

export interface ConsoleServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

/** Serves the web console (its bundle and its JSON API) until closed. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const limits = options.limits ?? DEFAULT_CONSOLE_LIMITS;
  const assetsDir = options.assetsDir ?? CONSOLE_ASSETS_DIR;
  if (!existsSync(`${assetsDir}/index.html`)) {
    throw new QuillError('INVALID_CONFIG', `The console's bundle is missing in ${assetsDir}: build it with \`node scripts/console-build.mjs\` (pnpm install runs it).`);
  }
  const api = new ConsoleApi(options.quill, limits);
  await api.connect();
  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      options.logger.warn({ err: error, url: request.url }, 'console request failed');
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'UNKNOWN_SERVER_ERROR', message: String(error), retriable: false } });
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://console');
    const method = request.method ?? 'GET';
    const asset = method === 'GET' ? ASSETS[url.pathname] : undefined;
    if (asset !== undefined) {
      response.writeHead(200, { 'content-type': asset.type, ...SECURITY_HEADERS });
      response.end(readFileSync(`${assetsDir}/${asset.file}`));
      return;
    }
    const route = findRoute(method, url.pathname);
    if (route === undefined) {
      sendJson(response, 404, { error: { code: 'INVALID_REQUEST', message: `No ${method} ${url.pathname} here.`, retriable: false } });
      return;
    }
    try {
      const body = method === 'POST' ? await readJsonBody(request, limits.maxRequestBodyBytes) : undefined;
      sendJson(response, 200, await route({ method, path: url.pathname, query: url.searchParams, body }, api, limits));
    } catch (error) {
      const code = error instanceof QuillError ? error.code : 'UNKNOWN_SERVER_ERROR';
      const status = code === 'INVALID_REQUEST' ? 400 : code === 'UNKNOWN_TOPIC_OR_PARTITION' ? 404 : 502;
      sendJson(response, status, { error: { code, message: error instanceof Error ? error.message : String(error), retriable: errorInfo(code).retriable } });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
  response.end(JSON.stringify(body));
}

async function readJsonBody(request: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new QuillError('INVALID_REQUEST', `The request body is over ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new QuillError('INVALID_REQUEST', 'The request body is not JSON.');
  }
}
