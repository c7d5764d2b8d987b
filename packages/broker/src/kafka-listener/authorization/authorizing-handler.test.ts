import type { ErrorCode } from '@quill/proto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CLOSE_CONNECTION, NO_ANSWER, type KafkaHandler, type KafkaRequestContext } from '../handler-registry.js';
import { kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { splitItems, type AccessRule, type AccessScope } from './access-decision.js';
import { ANONYMOUS_PRINCIPAL, clientHost, withAuthorization } from './authorizing-handler.js';

interface Request {
  topics: string[];
  noAnswer?: boolean;
}

/** A handler answering each topic with error 0, and errorResponse each with the thrown error's code. */
function recordingHandler(seen: Request[]): KafkaHandler<Request> {
  return {
    apiKey: 0,
    handle: async (request) => {
      seen.push(request);
      return request.noAnswer === true ? NO_ANSWER : { responses: request.topics.map((name) => ({ name, errorCode: 0 })) };
    },
    errorResponse: (error, request) => ({ responses: request.topics.map((name) => ({ name, errorCode: kafkaErrorCodeOf(error) })) }),
  };
}

const context = (principal?: string, tlsPrincipal?: string): KafkaRequestContext => ({
  header: { apiKey: 0, apiVersion: 9, correlationId: 1, clientId: null, bodyOffset: 0 } as never,
  clientAddress: '10.0.0.7:51234',
  logger: pino({ level: 'silent' }),
  ...(principal === undefined ? {} : { session: { principal } as never }),
  ...(tlsPrincipal === undefined ? {} : { tlsPrincipal }),
});

const byTopic: AccessRule<Request> = (request, scope) =>
  splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('WRITE', 'TOPIC', t), 'TOPIC_AUTHORIZATION_FAILED' satisfies ErrorCode, 'responses');

describe('withAuthorization', () => {
  it('passes the principal and host to the scope: the SASL one, else the client certificate one, else ANONYMOUS', async () => {
    const asked: string[] = [];
    const scopeOf = (principal: string, host: string): AccessScope => {
      asked.push(`${principal}@${host}`);
      return { can: () => true, topicNameOf: () => undefined, topicNames: () => [] };
    };
    const handler = withAuthorization(recordingHandler([]), byTopic, scopeOf);
    await handler.handle({ topics: ['a'] }, context('User:alice'));
    await handler.handle({ topics: ['a'] }, context());
    await handler.handle({ topics: ['a'] }, context(undefined, 'User:carol'));
    await handler.handle({ topics: ['a'] }, context('User:alice', 'User:carol'));
    expect(asked).toEqual(['User:alice@10.0.0.7', `${ANONYMOUS_PRINCIPAL}@10.0.0.7`, 'User:carol@10.0.0.7', 'User:alice@10.0.0.7']);
  });

  it('answers refused topics with TOPIC_AUTHORIZATION_FAILED and lets the handler see only the allowed ones', async () => {
    const seen: Request[] = [];
    const handler = withAuthorization(recordingHandler(seen), byTopic, () => ({ can: (_op, _type, name) => name === 'a', topicNameOf: () => undefined, topicNames: () => [] }));
    expect(await handler.handle({ topics: ['a', 'b'] }, context())).toEqual({ responses: [{ name: 'a', errorCode: 0 }, { name: 'b', errorCode: 29 }] });
    expect(seen).toEqual([{ topics: ['a'] }]);
    expect(await handler.handle({ topics: ['b'] }, context())).toEqual({ responses: [{ name: 'b', errorCode: 29 }] });
    expect(seen).toHaveLength(1);
  });

  it('closes the connection when the allowed part expects no answer (acks=0) but a part was refused', async () => {
    const handler = withAuthorization(recordingHandler([]), byTopic, () => ({ can: (_op, _type, name) => name === 'a', topicNameOf: () => undefined, topicNames: () => [] }));
    expect(await handler.handle({ topics: ['a', 'b'], noAnswer: true }, context())).toBe(CLOSE_CONNECTION);
  });

  it('a deny is the handler error answer with the code; a handler without one closes', async () => {
    const deny: AccessRule<Request> = () => ({ kind: 'deny', code: 'CLUSTER_AUTHORIZATION_FAILED' });
    const scope = () => ({ can: () => false, topicNameOf: () => undefined, topicNames: () => [] });
    expect(await withAuthorization(recordingHandler([]), deny, scope).handle({ topics: ['a'] }, context())).toEqual({ responses: [{ name: 'a', errorCode: 31 }] });
    const { errorResponse: _, ...withoutErrorResponse } = recordingHandler([]);
    expect(await withAuthorization(withoutErrorResponse, deny, scope).handle({ topics: ['a'] }, context())).toBe(CLOSE_CONNECTION);
  });
});

describe('clientHost', () => {
  it('drops the port of IPv4 and IPv6 addresses', () => {
    expect(clientHost('127.0.0.1:9092')).toBe('127.0.0.1');
    expect(clientHost('[::1]:9092')).toBe('::1');
    expect(clientHost('fe80::1:9092')).toBe('fe80::1');
  });

  it('answers an IPv4 client of a dual-stack socket by its IPv4 address', () => {
    expect(clientHost('::ffff:10.0.0.1:9092')).toBe('10.0.0.1');
  });
});
