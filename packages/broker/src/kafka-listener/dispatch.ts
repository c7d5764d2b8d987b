import type { Logger } from 'pino';
import type { KafkaCodec, KafkaRequestHeader } from './codec.js';
import { AnswerThenClose, CLOSE_CONNECTION, NO_ANSWER, type KafkaHandlerRegistry, type KafkaRequestContext } from './handler-registry.js';
import type { RequestOutcome } from './response-queue.js';
import type { SaslSession } from './sasl/sasl-session.js';

/** Something wrong with a client's request, worth one (rate-limited) warning line. */
export interface RequestProblem {
  kind: 'corrupt-header' | 'unsupported-api' | 'unauthenticated' | 'corrupt-body' | 'handler-failed' | 'encode-failed';
  message: string;
  header?: KafkaRequestHeader;
  error?: unknown;
}

export interface DispatchResult {
  outcome: RequestOutcome;
  problem?: RequestProblem;
}

export interface Dispatcher {
  /**
   * `session`: the connection's SASL state on a SASL listener, which admits requests until authenticated.
   * `tlsPrincipal`: the principal of the connection's verified client certificate.
   */
  dispatch(frame: Buffer, clientAddress: string, session?: SaslSession, tlsPrincipal?: string): Promise<DispatchResult>;
}

/** Told how long each handled request took (decode to answer), by API key, for the request metrics. */
export type HandledObserver = (apiKey: number, seconds: number) => void;

const CLOSE = { kind: 'close' } as const;
const NO_OUTCOME = { kind: 'none' } as const;

/**
 * One request frame to its outcome: header, version check, decode, handler, encode. Whatever a
 * client sends or a handler throws ends in an answer or a close, never in a rejection, and as
 * Kafka does, a request it cannot parse or serve closes the connection unless the API has an
 * error answer for it.
 */
export function createDispatcher(codec: KafkaCodec, registry: KafkaHandlerRegistry, logger: Logger, observe?: HandledObserver): Dispatcher {
  const encode = (header: KafkaRequestHeader, apiVersion: number, body: object): DispatchResult => {
    try {
      return { outcome: { kind: 'answer', frame: codec.encodeResponse(header.apiKey, apiVersion, header.correlationId, body) } };
    } catch (error) {
      return { outcome: CLOSE, problem: { kind: 'encode-failed', message: 'the response could not be encoded; connection closed', header, error } };
    }
  };

  return {
    async dispatch(frame, clientAddress, session, tlsPrincipal) {
      let header: KafkaRequestHeader;
      try {
        header = codec.readRequestHeader(frame);
      } catch (error) {
        return { outcome: CLOSE, problem: { kind: 'corrupt-header', message: 'request header does not parse; connection closed', error } };
      }
      if (session !== undefined && !session.admits(header.apiKey)) {
        return { outcome: CLOSE, problem: { kind: 'unauthenticated', message: `API key ${header.apiKey} before SASL authentication succeeded; connection closed`, header } };
      }
      const handler = registry.get(header.apiKey);
      const range = registry.range(header.apiKey);
      if (handler === undefined || range === undefined || header.apiVersion < range.minVersion || header.apiVersion > range.maxVersion) {
        const answer = handler?.unsupportedVersionResponse?.(header);
        const problem: RequestProblem = { kind: 'unsupported-api', message: `API key ${header.apiKey} version ${header.apiVersion} is not supported`, header };
        return answer === undefined ? { outcome: CLOSE, problem: { ...problem, message: `${problem.message}; connection closed` } } : { ...encode(header, answer.apiVersion, answer.body), problem };
      }
      let request: unknown;
      try {
        request = codec.decodeRequest(header.apiKey, header.apiVersion, frame, header.bodyOffset);
      } catch (error) {
        return { outcome: CLOSE, problem: { kind: 'corrupt-body', message: 'request body does not parse; connection closed', header, error } };
      }
      const context: KafkaRequestContext = { header, clientAddress, logger, ...(session === undefined ? {} : { session }), ...(tlsPrincipal === undefined ? {} : { tlsPrincipal }) };
      const started = process.hrtime.bigint();
      try {
        const body = await handler.handle(request as never, context);
        observe?.(header.apiKey, Number(process.hrtime.bigint() - started) / 1e9);
        if (body === NO_ANSWER) return { outcome: NO_OUTCOME };
        if (body === CLOSE_CONNECTION) return { outcome: CLOSE };
        if (body instanceof AnswerThenClose) {
          const encoded = encode(header, header.apiVersion, body.body);
          return encoded.outcome.kind === 'answer' ? { ...encoded, outcome: { ...encoded.outcome, thenClose: true } } : encoded;
        }
        return encode(header, header.apiVersion, body);
      } catch (error) {
        observe?.(header.apiKey, Number(process.hrtime.bigint() - started) / 1e9);
        let body: object | undefined;
        try {
          body = handler.errorResponse?.(error, request as never, context);
        } catch {
          body = undefined;
        }
        const problem: RequestProblem = { kind: 'handler-failed', message: 'request failed', header, error };
        if (body === undefined) return { outcome: CLOSE, problem: { ...problem, message: 'request failed; connection closed' } };
        const encoded = encode(header, header.apiVersion, body);
        return { outcome: encoded.outcome, problem: encoded.problem ?? problem };
      }
    },
  };
}
