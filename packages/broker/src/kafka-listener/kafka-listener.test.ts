import net from 'node:net';
import { ManualClock, systemClock, type Clock } from '@quill/clock';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaCodec } from './codec.js';
import { createDispatcher } from './dispatch.js';
import { KafkaHandlerRegistry } from './handler-registry.js';
import { KafkaListener } from './kafka-listener.js';

/**
 * A stand-in codec: header = apiKey int16, apiVersion int16, correlationId int32; body = UTF-8
 * text; response = length, correlationId, JSON body.
 */
const fakeCodec: KafkaCodec = {
  versions: [
    { apiKey: 1, name: 'Echo', minVersion: 0, maxVersion: 2, flexibleFrom: undefined },
    { apiKey: 2, name: 'Unregistered', minVersion: 0, maxVersion: 0, flexibleFrom: undefined },
  ],
  readRequestHeader(frame) {
    if (frame.length < 8) throw Object.assign(new Error('truncated header'), { code: 'CORRUPT_MESSAGE' });
    return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4), clientId: null, bodyOffset: 8 };
  },
  decodeRequest(_key, _version, frame, offset) {
    const text = frame.subarray(offset).toString();
    if (text === 'garbage') throw Object.assign(new Error('bad body'), { code: 'CORRUPT_MESSAGE' });
    return { text };
  },
  encodeResponse(_key, _version, correlationId, body) {
    const json = Buffer.from(JSON.stringify(body));
    const out = Buffer.alloc(8 + json.length);
    out.writeInt32BE(4 + json.length, 0);
    out.writeInt32BE(correlationId, 4);
    json.copy(out, 8);
    return out;
  },
};

function request(correlationId: number, text: string, apiKey = 1, apiVersion = 0): Buffer {
  const body = Buffer.from(text);
  const out = Buffer.alloc(12 + body.length);
  out.writeInt32BE(8 + body.length, 0);
  out.writeInt16BE(apiKey, 4);
  out.writeInt16BE(apiVersion, 6);
  out.writeInt32BE(correlationId, 8);
  body.copy(out, 12);
  return out;
}

/** A raw client that collects response frames as { correlationId, body }. */
class RawClient {
  readonly answers: { correlationId: number; body: unknown }[] = [];
  closed = false;
  private pending = Buffer.alloc(0);
  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        const length = this.pending.readInt32BE(0);
        this.answers.push({ correlationId: this.pending.readInt32BE(4), body: JSON.parse(this.pending.subarray(8, 4 + length).toString()) });
        this.pending = this.pending.subarray(4 + length);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawClient(socket);
  }
}

interface Setup {
  listener: KafkaListener;
  warnings: string[];
  started: number[];
  release: Map<number, () => void>;
}

const listeners: KafkaListener[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** Echo handler: answers `{ text }`; 'hold' waits until released; 'throw' and 'throw-closes' fail. */
async function setup(overrides: { maxInFlight?: number; idleMs?: number; maxFrameBytes?: number; maxConnections?: number; clock?: Clock } = {}): Promise<Setup> {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  const started: number[] = [];
  const release = new Map<number, () => void>();
  const registry = new KafkaHandlerRegistry(fakeCodec.versions).register<{ text: string }>({
    apiKey: 1,
    maxVersion: 1,
    async handle(req, context) {
      started.push(context.header.correlationId);
      if (req.text === 'hold') await new Promise<void>((resolve) => release.set(context.header.correlationId, resolve));
      if (req.text.startsWith('throw')) throw new Error('handler failed');
      return { text: req.text };
    },
    errorResponse: (_error, req) => (req.text === 'throw-closes' ? undefined : { error: 'failed' }),
  });
  const listener = await KafkaListener.start({
    host: '127.0.0.1',
    port: 0,
    dispatcher: createDispatcher(fakeCodec, registry, logger),
    limits: {
      maxFrameBytes: overrides.maxFrameBytes ?? 1024,
      maxInFlight: overrides.maxInFlight ?? 500,
      idleMs: overrides.idleMs ?? 600_000,
      maxConnections: overrides.maxConnections ?? 100,
      warningIntervalMs: 10_000,
    },
    clock: overrides.clock ?? systemClock,
    logger,
  });
  listeners.push(listener);
  return { listener, warnings, started, release };
}

async function connect(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  clients.push(client);
  return client;
}

describe('KafkaListener', () => {
  it('answers pipelined requests in order though handlers finish out of order', async () => {
    const { listener, started, release } = await setup();
    const client = await connect(listener.port);
    client.socket.write(Buffer.concat([request(1, 'hold'), request(2, 'b'), request(3, 'hold'), request(4, 'd')]));
    await eventually(() => started.length === 4);
    // 2 and 4 finish at once and 3 before 1: answered as they finish, they would leave 2, 4, 3, 1.
    release.get(3)!();
    release.get(1)!();
    await eventually(() => client.answers.length === 4);
    expect(client.answers.map((a) => a.correlationId)).toEqual([1, 2, 3, 4]);
    expect(client.answers[1]!.body).toEqual({ text: 'b' });
  });

  it('reads frames split across writes and many frames in one write', async () => {
    const { listener } = await setup();
    const client = await connect(listener.port);
    const bytes = Buffer.concat(Array.from({ length: 50 }, (_, i) => request(i, `m${i}`)));
    for (let i = 0; i < bytes.length; i += 7) client.socket.write(bytes.subarray(i, i + 7));
    client.socket.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => request(50 + i, `n${i}`))));
    await eventually(() => client.answers.length === 100);
    expect(client.answers.map((a) => a.correlationId)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('stops reading at queued.max.requests and resumes as answers go out', async () => {
    const { listener, started, release } = await setup({ maxInFlight: 5 });
    const client = await connect(listener.port);
    client.socket.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => request(i, 'hold'))));
    await eventually(() => started.length === 5);
    for (let id = 0; id < 200; id++) {
      await eventually(() => release.get(id));
      release.get(id)!();
      expect(started.length).toBeLessThanOrEqual(id + 1 + 5);
    }
    await eventually(() => client.answers.length === 200);
  });

  it.each([
    ['an oversize frame', Buffer.from([0, 0, 4, 1]), 'over socket.request.max.bytes'],
    ['a negative length', Buffer.from([0x80, 0, 0, 0]), 'request frame length -2147483648'],
    ['a truncated header', Buffer.from([0, 0, 0, 2, 0, 1]), 'request header does not parse'],
    ['a body that does not parse', request(9, 'garbage'), 'request body does not parse'],
    ['an unknown API key', request(9, 'x', 7), 'API key 7 version 0 is not supported'],
    ['an API with no handler', request(9, 'x', 2), 'API key 2 version 0 is not supported'],
    ['a version above the handler range', request(9, 'x', 1, 2), 'API key 1 version 2 is not supported'],
    ['a handler failing with no error answer', request(9, 'throw-closes'), 'request failed; connection closed'],
  ])('closes the connection on %s, after earlier answers, with one warning', async (_name, bad, warning) => {
    const { listener, warnings } = await setup();
    const client = await connect(listener.port);
    client.socket.write(Buffer.concat([request(1, 'ok'), bad, request(2, 'never')]));
    await eventually(() => client.closed);
    expect(client.answers.map((a) => a.correlationId)).toEqual([1]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(warning);
    await eventually(() => listener.connectionCount === 0);
  });

  it("answers a failed handler with the API's error answer and keeps the connection", async () => {
    const { listener, warnings } = await setup();
    const client = await connect(listener.port);
    client.socket.write(Buffer.concat([request(1, 'throw'), request(2, 'ok')]));
    await eventually(() => client.answers.length === 2);
    expect(client.answers[0]).toEqual({ correlationId: 1, body: { error: 'failed' } });
    expect(client.closed).toBe(false);
    expect(warnings).toEqual(['kafka listener: request failed']);
  });

  it('rate-limits warnings per client host', async () => {
    const { listener, warnings } = await setup();
    for (let i = 0; i < 5; i++) {
      const client = await connect(listener.port);
      client.socket.write(request(1, 'garbage'));
      await eventually(() => client.closed);
    }
    expect(warnings).toHaveLength(1);
  });

  it('closes an idle connection after connections.max.idle.ms, warning when it stalled inside a frame', async () => {
    const clock = new ManualClock();
    const { listener, warnings } = await setup({ clock, idleMs: 1000 });
    const idle = await connect(listener.port);
    const stalled = await connect(listener.port);
    // One write: once its whole request is answered, the half frame behind it has arrived too.
    stalled.socket.write(Buffer.concat([request(1, 'whole'), request(2, 'half').subarray(0, 9)]));
    await eventually(() => stalled.answers.length === 1 && listener.connectionCount === 2);
    clock.advance(999);
    expect(idle.closed || stalled.closed).toBe(false);
    clock.advance(1);
    await eventually(() => idle.closed && stalled.closed);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('half a request frame');
  });

  it('closes new connections beyond max.connections, and close() closes every connection', async () => {
    const { listener, warnings } = await setup({ maxConnections: 2 });
    const first = await connect(listener.port);
    const second = await connect(listener.port);
    await eventually(() => listener.connectionCount === 2);
    const third = await connect(listener.port);
    await eventually(() => third.closed);
    expect(warnings[0]).toContain('max.connections');
    await listener.close();
    await eventually(() => first.closed && second.closed);
  });
});
