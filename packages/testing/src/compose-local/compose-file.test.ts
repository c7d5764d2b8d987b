import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCompose } from './compose-file.js';
import { parseDuration } from './duration.js';
import { interpolate } from './interpolate.js';

describe('compose file', () => {
  let dir: string;
  const load = (yaml: string, env: Record<string, string> = {}) => {
    const file = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(file, yaml);
    return loadCompose(file, path.join(dir, 'data'), env);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-compose-file-test-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("interpolates variables as compose does", () => {
    const env = { SET: 'v', EMPTY: '' };
    expect(interpolate(['$SET ${SET} $$SET', '${UNSET:-d} ${EMPTY:-d} ${EMPTY-d}', '${SET:+a}${EMPTY:+b}${EMPTY+c}'], env)).toEqual(['v v $SET', 'd d ', 'ac']);
    expect(() => interpolate({ a: '${EMPTY:?needed here}' }, env, 'f.yml')).toThrow('f.yml: EMPTY is required: needed here');
  });

  it('reads durations', () => {
    expect(parseDuration('1m30s', 'x')).toBe(90_000);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(() => parseDuration('10 parsecs', 'x')).toThrow("x: '10 parsecs' is not a duration");
  });

  it('reads services with their ports, volumes, dependencies, healthchecks and defaults', () => {
    const [a, b] = load(
      [
        'services:',
        '  a:',
        '    hostname: alpha',
        '    restart: unless-stopped',
        '    command: controller start --listen 0.0.0.0:9192 --data-dir /data',
        '    ports: ["127.0.0.1:19192:9192", 9300]',
        '    volumes: [a-data:/data, ./conf:/conf, /scratch]',
        '    environment: [ONE=1, PASSED]',
        '    healthcheck: {test: "quill cluster status", start_period: 60s, start_interval: 1s}',
        '  b:',
        '    command: [topics, create, "x"]',
        '    stop_grace_period: 40s',
        '    depends_on: {a: {condition: service_healthy}}',
        'volumes:',
        '  a-data:',
      ].join('\n'),
      { PASSED: 'p' },
    );
    expect(a).toMatchObject({
      name: 'a',
      aliases: ['a', 'alpha'],
      command: ['controller', 'start', '--listen', '0.0.0.0:9192', '--data-dir', '/data'],
      ports: [{ container: 9192, published: 19192 }, { container: 9300, published: undefined }],
      environment: { ONE: '1', PASSED: 'p' },
      longRunning: true,
      stopGraceMs: 10_000,
      stopSignal: 'SIGTERM',
      healthcheck: { check: { kind: 'shell', script: 'quill cluster status' }, intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 60_000, startIntervalMs: 1_000 },
    });
    expect(a!.volumes).toEqual([
      { target: '/data', local: path.join(dir, 'data', 'a-data'), volume: 'a-data' },
      { target: '/conf', local: path.join(dir, 'conf') },
      { target: '/scratch', local: path.join(dir, 'data', 'a-volume-3') },
    ]);
    expect(b).toMatchObject({ longRunning: false, stopGraceMs: 40_000, dependsOn: [{ service: 'a', condition: 'service_healthy' }] });
  });

  it('refuses what it cannot honour', () => {
    expect(() => load('services:\n  a:\n    command: [x]\n    network_mode: host\n')).toThrow("services.a: 'network_mode' is not supported by compose-local");
    expect(() => load('services:\n  a:\n    command: [x]\n    depends_on: [b]\n')).toThrow("no service 'b'");
    expect(() => load('services:\n  a:\n    command: [x]\n    depends_on: {b: {condition: service_healthy}}\n  b:\n    command: [y]\n')).toThrow(
      'a waits for b to be healthy, but b has no healthcheck',
    );
    expect(() => load('services:\n  a:\n    command: [x]\n    depends_on: [b]\n  b:\n    command: [y]\n    depends_on: [a]\n')).toThrow('depends_on has a cycle: a -> b -> a');
    expect(() => load('services:\n  a:\n    command: [x]\n    volumes: [undeclared:/data]\n')).toThrow("volume 'undeclared' is not declared");
  });
});
