import { describe, expect, it } from 'vitest';
import { ResponseQueue, type RequestOutcome } from './response-queue.js';

function deferred(): { promise: Promise<RequestOutcome>; resolve(o: RequestOutcome): void } {
  let resolve!: (o: RequestOutcome) => void;
  const promise = new Promise<RequestOutcome>((r) => (resolve = r));
  return { promise, resolve };
}

const answer = (text: string): RequestOutcome => ({ kind: 'answer', frame: Buffer.from(text) });
const settle = () => new Promise((r) => setImmediate(r));

describe('ResponseQueue', () => {
  it('answers in arrival order when handlers finish out of order', async () => {
    const written: string[] = [];
    const queue = new ResponseQueue(10, { write: (f) => written.push(f.toString()), close: () => written.push('closed') });
    const requests = [deferred(), deferred(), deferred()];
    for (const r of requests) queue.add(r.promise);
    requests[2]!.resolve(answer('c'));
    requests[1]!.resolve(answer('b'));
    await settle();
    expect(written).toEqual([]);
    requests[0]!.resolve(answer('a'));
    await settle();
    expect(written).toEqual(['a', 'b', 'c']);
    expect(queue.inFlight).toBe(0);
  });

  it('closes right after an answer marked thenClose', async () => {
    const written: string[] = [];
    const queue = new ResponseQueue(10, { write: (f) => written.push(f.toString()), close: () => written.push('closed') });
    queue.add(Promise.resolve(answer('a')));
    queue.add(Promise.resolve({ kind: 'answer', frame: Buffer.from('failed'), thenClose: true }));
    queue.add(Promise.resolve(answer('c')));
    await settle();
    expect(written).toEqual(['a', 'failed', 'closed']);
  });

  it('closes after the answers before a close, and writes nothing after it', async () => {
    const written: string[] = [];
    const queue = new ResponseQueue(10, { write: (f) => written.push(f.toString()), close: () => written.push('closed') });
    queue.add(Promise.resolve(answer('a')));
    queue.add(Promise.resolve<RequestOutcome>({ kind: 'close' }));
    queue.add(Promise.resolve(answer('c')));
    await settle();
    expect(written).toEqual(['a', 'closed']);
  });

  it('sends nothing for a request with no answer, and goes on with the next one', async () => {
    const written: string[] = [];
    const queue = new ResponseQueue(10, { write: (f) => written.push(f.toString()), close: () => written.push('closed') });
    queue.add(Promise.resolve({ kind: 'none' }));
    queue.add(Promise.resolve(answer('b')));
    await settle();
    expect(written).toEqual(['b']);
    expect(queue.inFlight).toBe(0);
  });

  it('is full at its bound', () => {
    const queue = new ResponseQueue(2, { write: () => undefined, close: () => undefined });
    queue.add(deferred().promise);
    expect(queue.full).toBe(false);
    queue.add(deferred().promise);
    expect(queue.full).toBe(true);
  });
});
