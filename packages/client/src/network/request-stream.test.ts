import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { RequestStream } from './request-stream.js';

/** A client duplex stream the test answers by hand: records writes, half-close and cancel. */
class FakeDuplex extends EventEmitter {
  readonly written: string[] = [];
  ended = false;
  cancelled = false;
  write(request: string): boolean {
    this.written.push(request);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
}

function streamOver(calls: FakeDuplex[]): RequestStream<string, string> {
  return new RequestStream<string, string>(
    () => {
      const call = new FakeDuplex();
      calls.push(call);
      return call as unknown as grpc.ClientDuplexStream<string, string>;
    },
    { method: 'ProduceStream', address: 'broker:9092' },
  );
}

describe('RequestStream.drain', () => {
  it('half-closes the stream and still answers the requests outstanding on it, without cancelling it', async () => {
    const calls: FakeDuplex[] = [];
    const stream = streamOver(calls);
    const first = stream.request('a', { timeoutMs: 5_000 });
    const second = stream.request('b', { timeoutMs: 5_000 });
    const drained = stream.drain();
    expect(calls[0]!.ended).toBe(true);
    await expect(stream.request('c', { timeoutMs: 5_000 })).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
    calls[0]!.emit('data', 'answer a');
    calls[0]!.emit('data', 'answer b');
    await expect(first).resolves.toBe('answer a');
    await expect(second).resolves.toBe('answer b');
    await drained;
    calls[0]!.emit('end');
    expect(calls[0]!.cancelled).toBe(false);
    expect(calls[0]!.written).toEqual(['a', 'b']);
  });

  it('resolves at once with nothing outstanding, and fails what is outstanding if the server ends early', async () => {
    const calls: FakeDuplex[] = [];
    await streamOver(calls).drain();
    const stream = streamOver(calls);
    const pending = stream.request('a', { timeoutMs: 5_000 });
    const drained = stream.drain();
    calls[0]!.emit('end');
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
    await drained;
  });
});
