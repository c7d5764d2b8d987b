import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { unary } from './unary.js';

interface Answer {
  error?: { code: string; message: string };
  value?: number;
}

function call(handler: ReturnType<typeof unary<number, Answer>>, request: number): Promise<{ error: unknown; response: Answer | undefined }> {
  return new Promise((resolve) => {
    const callback: sendUnaryData<Answer> = (error, response) => resolve({ error, response: response ?? undefined });
    handler({ request } as ServerUnaryCall<number, Answer>, callback);
  });
}

describe('unary', () => {
  it('answers with what the function returns, synchronously or not', async () => {
    expect(await call(unary((c) => ({ value: c.request + 1 })), 1)).toEqual({ error: null, response: { value: 2 } });
    expect(await call(unary(async (c) => ({ value: c.request * 2 })), 4)).toEqual({ error: null, response: { value: 8 } });
  });

  it('answers a thrown or rejected failure with its code in the response, not a transport error', async () => {
    const thrown = await call(
      unary(() => {
        throw new QuillError('NOT_COORDINATOR', 'moved');
      }),
      0,
    );
    expect(thrown).toEqual({ error: null, response: { error: { code: 'NOT_COORDINATOR', message: 'moved' } } });
    const rejected = await call(unary(() => Promise.reject(new Error('disk on fire'))), 0);
    expect(rejected).toEqual({ error: null, response: { error: { code: 'UNKNOWN_SERVER_ERROR', message: 'disk on fire' } } });
  });
});
