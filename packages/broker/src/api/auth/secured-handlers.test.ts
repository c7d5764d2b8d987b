import { Metadata, type ServerUnaryCall, type handleUnaryCall } from '@grpc/grpc-js';
import type { BrokerHandlers } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { brokerStreamMethods, securedBrokerHandlers } from './secured-handlers.js';

/** A unary call as grpc-js hands it to a handler, from 127.0.0.1 without a certificate. */
function unaryCall(request: unknown): ServerUnaryCall<unknown, unknown> {
  return { request, metadata: new Metadata(), getPeer: () => '127.0.0.1:5000', getAuthContext: () => ({}) } as unknown as ServerUnaryCall<unknown, unknown>;
}

describe('securedBrokerHandlers', () => {
  it('with the authorizer on, refuses a method without an ACL rule, naming it, even to a principal allowed everything', async () => {
    let served = false;
    const unruled: handleUnaryCall<unknown, unknown> = (_call, callback) => {
      served = true;
      callback(null, {});
    };
    const secured = securedBrokerHandlers({ Unruled: unruled } as unknown as Partial<BrokerHandlers>, { scopeOf: () => ({ can: () => true }) as never });
    const answer = await new Promise<unknown>((resolve) => (secured as unknown as Record<string, handleUnaryCall<unknown, unknown>>)['Unruled']!(unaryCall({}), (_error, value) => resolve(value)));
    expect(answer).toEqual({ error: { code: 'CLUSTER_AUTHORIZATION_FAILED', message: expect.stringContaining('Unruled has no ACL rule') } });
    expect(served).toBe(false);
  });

  it('knows the streaming methods from the service definition', () => {
    expect([...brokerStreamMethods()].sort()).toEqual(['FetchStream', 'ProduceStream']);
  });
});
