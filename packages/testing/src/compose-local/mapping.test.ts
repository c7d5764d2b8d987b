import { describe, expect, it } from 'vitest';
import type { ComposeService } from './compose-file.js';
import { brokerAddress, localService, planPorts } from './mapping.js';

const service = (name: string, fields: Partial<ComposeService>): ComposeService => ({
  name,
  aliases: [name],
  command: [],
  environment: {},
  ports: [],
  expose: [],
  volumes: [],
  dependsOn: [],
  healthcheck: undefined,
  longRunning: true,
  stopGraceMs: 10_000,
  stopSignal: 'SIGTERM',
  ...fields,
});

describe('compose-local mapping', () => {
  const controller = service('controller-1', {
    command: ['controller', 'start', '--listen', '0.0.0.0:9192', '--data-dir', '/var/lib/quill'],
    volumes: [{ target: '/var/lib/quill', local: '/tmp/data/c1' }],
  });
  const broker = service('broker-1', {
    command: ['broker', 'start', '--listen', '0.0.0.0:9092', '--controllers', 'controller-1:9192', '--data-dir', '/var/lib/quill/logs'],
    ports: [{ container: 9092, published: 19092 }],
    volumes: [{ target: '/var/lib/quill', local: '/tmp/data/b1' }],
    environment: { PEER: 'controller-1:9192', OTHER: 'example.com:80' },
  });

  it('maps published ports, else container ports, plus the offset; refuses two on one port', async () => {
    const plan = await planPorts([controller, broker], { portOffset: 5 });
    expect(plan.get('controller-1')).toEqual(new Map([[9192, 9197]]));
    expect(plan.get('broker-1')).toEqual(new Map([[9092, 19097]]));
    const clash = service('other', { ports: [{ container: 9000, published: 9192 }] });
    await expect(planPorts([controller, clash])).rejects.toThrow('would both use local port 9192');
  });

  it('gives every container port its own free port', async () => {
    const plan = await planPorts([controller, broker], { freePorts: true });
    const ports = [plan.get('controller-1')!.get(9192)!, plan.get('broker-1')!.get(9092)!];
    expect(new Set(ports).size).toBe(2);
  });

  it('rewrites service hosts and volume paths in commands and environment', async () => {
    const plan = await planPorts([controller, broker]);
    const local = localService(broker, [controller, broker], plan);
    expect(local.command).toEqual(['broker', 'start', '--listen', '127.0.0.1:19092', '--controllers', '127.0.0.1:9192', '--data-dir', '/tmp/data/b1/logs']);
    expect(local.environment).toEqual({ PEER: '127.0.0.1:9192', OTHER: 'example.com:80' });
    expect(brokerAddress(local.command)).toBe('127.0.0.1:19092');
    expect(brokerAddress(localService(controller, [controller, broker], plan).command)).toBeUndefined();
    expect(brokerAddress(['node', 'start', '--listen=127.0.0.1:1', '--advertised', '127.0.0.1:2'])).toBe('127.0.0.1:2');
  });
});
