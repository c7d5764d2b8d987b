import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { notReady, READY, type Readiness } from './readiness.js';

describe('metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the registries, liveness, readiness with its reason, and 404 elsewhere', async () => {
    const registry = new Registry();
    new Counter({ name: 'quill_test_things_total', help: 'things', registers: [registry] }).inc(3);
    let readiness: Readiness = notReady('not registered with the controller');
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, registries: [registry], readiness: () => readiness, logger: pino({ level: 'silent' }) });
    const base = server.url.replace(/\/metrics$/, '');

    const metrics = await fetch(server.url);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await metrics.text()).toContain('quill_test_things_total 3');

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notYet = await fetch(`${base}/readyz`);
    expect(notYet.status).toBe(503);
    expect(await notYet.text()).toBe('not registered with the controller\n');
    readiness = READY;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });
});
