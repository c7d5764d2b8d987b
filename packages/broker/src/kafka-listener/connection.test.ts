import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ManualClock } from '@quill/clock';
import { describe, expect, it } from 'vitest';
import { KafkaConnection } from './connection.js';
import type { Dispatcher } from './dispatch.js';
import { SaslSession } from './sasl/sasl-session.js';

/** The part of a net.Socket a connection uses, with a send buffer the test fills and drains by hand. */
class FakeSocket extends EventEmitter {
  readonly remoteAddress = '10.0.0.1';
  readonly remotePort = 5000;
  writableNeedDrain = false;
  paused = false;
  readonly written: Buffer[] = [];
  setNoDelay(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  write(frame: Buffer): boolean {
    this.written.push(frame);
    return !this.writableNeedDrain;
  }
  end(callback: () => void): void {
    callback();
  }
  destroy(): void {}
}

function frames(count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => Buffer.from([0, 0, 0, 1, i])));
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KafkaConnection', () => {
  it('stops reading while the send buffer is full, and resumes on drain', async () => {
    const socket = new FakeSocket();
    const dispatched: number[] = [];
    const dispatcher: Dispatcher = {
      dispatch: async (frame) => {
        dispatched.push(frame[0]!);
        return { outcome: { kind: 'answer', frame } };
      },
    };
    new KafkaConnection(socket as unknown as Socket, {
      dispatcher,
      limits: { maxFrameBytes: 100, maxInFlight: 100, idleMs: 60_000 },
      clock: new ManualClock(),
      warn: () => undefined,
      onClosed: () => undefined,
    });
    // A client that does not read its answers: the kernel's buffer is full.
    socket.writableNeedDrain = true;
    socket.emit('data', frames(50));
    await settle();
    expect(dispatched).toEqual([]);
    expect(socket.paused).toBe(true);

    socket.writableNeedDrain = false;
    socket.emit('drain');
    await settle();
    expect(dispatched).toHaveLength(50);
    expect(socket.written).toHaveLength(50);
    expect(socket.paused).toBe(false);
  });

  it('holds at most maxInFlight requests of one connection, however many it has read', async () => {
    const socket = new FakeSocket();
    const pending: Array<() => void> = [];
    const dispatcher: Dispatcher = {
      dispatch: (frame) => new Promise((resolve) => pending.push(() => resolve({ outcome: { kind: 'answer', frame } }))),
    };
    const connection = new KafkaConnection(socket as unknown as Socket, {
      dispatcher,
      limits: { maxFrameBytes: 100, maxInFlight: 3, idleMs: 60_000 },
      clock: new ManualClock(),
      warn: () => undefined,
      onClosed: () => undefined,
    });
    socket.emit('data', frames(10));
    expect(pending).toHaveLength(3);
    expect(socket.paused).toBe(true);
    for (let answered = 1; answered <= 10; answered++) {
      pending[answered - 1]!();
      await settle();
      expect(connection.inFlight).toBeLessThanOrEqual(3);
      expect(pending.length).toBe(Math.min(10, answered + 3));
    }
    expect(socket.written).toHaveLength(10);
    expect(socket.paused).toBe(false);
  });

  it('closes a SASL connection not authenticated within the timeout, with one warning, and passes its session to the dispatcher', async () => {
    const socket = new FakeSocket();
    const clock = new ManualClock();
    const warnings: string[] = [];
    const sessions: unknown[] = [];
    let closed = false;
    const session = new SaslSession({ enabledMechanisms: ['PLAIN'], credentialOf: () => undefined, unknownUserCredential: () => ({ salt: Buffer.alloc(0), storedKey: Buffer.alloc(0), serverKey: Buffer.alloc(0), iterations: 4096 }) });
    new KafkaConnection(socket as unknown as Socket, {
      dispatcher: { dispatch: async (frame, _address, passed) => (sessions.push(passed), { outcome: { kind: 'answer', frame } }) },
      sasl: { session, authenticationTimeoutMs: 10_000 },
      limits: { maxFrameBytes: 100, maxInFlight: 10, idleMs: 60_000 },
      clock,
      warn: (problem) => warnings.push(problem.kind),
      onClosed: () => (closed = true),
    });
    socket.emit('data', frames(1));
    await settle();
    expect(sessions).toEqual([session]);
    clock.advance(9_999);
    expect(closed).toBe(false);
    clock.advance(1);
    expect(closed).toBe(true);
    expect(warnings).toEqual(['authentication-timeout']);
  });
});
