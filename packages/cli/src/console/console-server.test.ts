import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type TestCluster } from '@quill/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleServer, type ConsoleServer } from './console-server.js';

describe('startConsoleServer', () => {
  let cluster: TestCluster;
  let server: ConsoleServer;
  let assets: string;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    assets = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-console-assets-'));
    fs.writeFileSync(path.join(assets, 'index.html'), '<!doctype html><title>t</title>');
    server = await startConsoleServer({ quill: cluster.client(), host: '127.0.0.1', port: 0, logger, assetsDir: assets });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
    fs.rmSync(assets, { recursive: true, force: true });
  });

  it('serves the page with a strict Content-Security-Policy and the API as JSON', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const brokers = (await (await fetch(`${server.url}/api/brokers`)).json()) as { brokers: Array<{ nodeId: number; state: string }> };
    expect(brokers.brokers.map((b) => [b.nodeId, b.state])).toEqual([[1, 'running']]);
  });

  it('answers bad requests with an error code, a retriable flag and a status', async () => {
    const missing = await fetch(`${server.url}/api/messages?topic=nope&partition=0`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    const bad = await fetch(`${server.url}/api/produce`, { method: 'POST', body: JSON.stringify({ topic: 't', value: 5 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'INVALID_REQUEST', message: 'value must be text or null.', retriable: false } });
    expect((await fetch(`${server.url}/api/nothing`)).status).toBe(404);
  });

  it('refuses to start without its bundle, saying how to build it', async () => {
    await expect(startConsoleServer({ quill: cluster.client(), host: '127.0.0.1', port: 0, logger, assetsDir: path.join(assets, 'none') })).rejects.toThrow(/console-build\.mjs/);
  });
});
