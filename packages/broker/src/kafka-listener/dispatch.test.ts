import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KafkaCodec } from './codec.js';
import { createDispatcher } from './dispatch.js';
import { AnswerThenClose, CLOSE_CONNECTION, KafkaHandlerRegistry, NO_ANSWER } from './handler-registry.js';
import { SaslSession } from './sasl/sasl-session.js';

/** A codec whose frames are `apiKey apiVersion correlationId` as three bytes, and bodies JSON after them. */
const codec: KafkaCodec = {
  versions: [{ apiKey: 0, name: 'Produce', minVersion: 0, maxVersion: 9, flexibleFrom: 9 }],
  readRequestHeader: (frame) => ({ apiKey: frame[0]!, apiVersion: frame[1]!, correlationId: frame[2]!, clientId: null, bodyOffset: 3 }),
  decodeRequest: (_key, _version, frame, offset) => JSON.parse(frame.subarray(offset).toString()),
  encodeResponse: (_key, _version, correlationId, body) => Buffer.from(`${correlationId}:${JSON.stringify(body)}`),
};

describe('dispatch of the request context', () => {
  it("gives the handler the connection's TLS principal", async () => {
    const seen: Array<string | undefined> = [];
    const registry = new KafkaHandlerRegistry(codec.versions).register<object>({ apiKey: 0, handle: async (_request, context) => (seen.push(context.tlsPrincipal), {}) });
    const dispatcher = createDispatcher(codec, registry, pino({ level: 'silent' }));
    const frame = Buffer.concat([Buffer.from([0, 3, 9]), Buffer.from('{}')]);
    await dispatcher.dispatch(frame, 'x:1', undefined, 'User:alice');
    await dispatcher.dispatch(frame, 'x:1');
    expect(seen).toEqual(['User:alice', undefined]);
  });
});

describe('dispatch of a handler that answers nothing or closes', () => {
  const registry = new KafkaHandlerRegistry(codec.versions).register<{ reply: string }>({
    apiKey: 0,
    handle: async (request) =>
      request.reply === 'none' ? NO_ANSWER : request.reply === 'close' ? CLOSE_CONNECTION : request.reply === 'then-close' ? new AnswerThenClose({ bye: true }) : { ok: true },
  });
  const dispatcher = createDispatcher(codec, registry, pino({ level: 'silent' }));
  const frame = (reply: string) => Buffer.concat([Buffer.from([0, 3, 9]), Buffer.from(JSON.stringify({ reply }))]);

  it('has no outcome to send for NO_ANSWER, a close for CLOSE_CONNECTION, else the encoded body', async () => {
    expect((await dispatcher.dispatch(frame('none'), 'x:1')).outcome).toEqual({ kind: 'none' });
    expect((await dispatcher.dispatch(frame('close'), 'x:1')).outcome).toEqual({ kind: 'close' });
    expect((await dispatcher.dispatch(frame('body'), 'x:1')).outcome).toEqual({ kind: 'answer', frame: Buffer.from('9:{"ok":true}') });
    expect((await dispatcher.dispatch(frame('then-close'), 'x:1')).outcome).toEqual({ kind: 'answer', frame: Buffer.from('9:{"bye":true}'), thenClose: true });
  });

  it('closes on any API but ApiVersions and SASL while the SASL session is not authenticated', async () => {
    const session = new SaslSession({ enabledMechanisms: ['PLAIN'], credentialOf: () => undefined, unknownUserCredential: () => ({ salt: Buffer.alloc(0), storedKey: Buffer.alloc(0), serverKey: Buffer.alloc(0), iterations: 4096 }) });
    const result = await dispatcher.dispatch(frame('body'), 'x:1', session);
    expect(result.outcome).toEqual({ kind: 'close' });
    expect(result.problem).toMatchObject({ kind: 'unauthenticated' });
  });
});
