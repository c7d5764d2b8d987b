import type { ServerDuplexStream, ServerUnaryCall, handleBidiStreamingCall, handleUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { loadQuillPackage, type BrokerHandlers, type ErrorCode } from '@quill/proto';
import { clientHost, type ScopeOf } from '../../kafka-listener/authorization/authorizing-handler.js';
import { guardStreamRequests } from '../stream-request-guard.js';
import { unary } from '../unary.js';
import { callIdentity, type CallIdentity } from './call-principal.js';
import { GRPC_ACCESS_RULES, hideUndescribed, refusalOf, type AccessRule, type GrpcClientMethod } from './grpc-access-rules.js';
import type { SaslAuthenticator } from './sasl-authenticator.js';
import type { SessionTokens } from './session-tokens.js';

/** How a broker's gRPC port authenticates and authorizes its client calls. */
export interface GrpcSecurity {
  /** Under SASL_PLAINTEXT and SASL_SSL: the Authenticate RPC, and the tokens every other call then needs. */
  sasl?: { authenticator: SaslAuthenticator; tokens: SessionTokens };
  /** With the authorizer on: the ACL scope of a principal calling from a host. */
  scopeOf?: ScopeOf;
}

/** The Broker service's streaming methods, as its loaded proto marks them. */
export function brokerStreamMethods(): ReadonlySet<string> {
  const service = loadQuillPackage().quill.v1.Broker.service;
  return new Set(Object.entries(service).flatMap(([method, definition]) => (definition.requestStream || definition.responseStream ? [method] : [])));
}

type Refusal = { code: ErrorCode; message: string };
type AnyUnary = handleUnaryCall<unknown, unknown>;
type AnyStream = handleBidiStreamingCall<unknown, unknown>;

/**
 * The Broker service's handlers behind the port's security: under SASL every call but
 * Authenticate needs a valid session token or a verified client certificate
 * (SASL_AUTHENTICATION_FAILED otherwise); with the authorizer each request passes its method's
 * ACL checks (Kafka's authorization codes otherwise) and listings leave out what the principal may
 * not DESCRIBE. A refusal is an error in the answer, as every failure of this service is; a
 * stream answers each of its requests so.
 */
export function securedBrokerHandlers(handlers: Partial<BrokerHandlers>, security: GrpcSecurity): Partial<BrokerHandlers> {
  const sasl = security.sasl;
  // An open port (PLAINTEXT or SSL without the authorizer) keeps its handlers as they are.
  if (sasl === undefined && security.scopeOf === undefined) return handlers;
  const secured: Partial<BrokerHandlers> = {};
  const streamMethods = brokerStreamMethods();
  for (const [method, handler] of Object.entries(handlers)) {
    if (handler === undefined) continue;
    const rule = GRPC_ACCESS_RULES[method as GrpcClientMethod] as AccessRule<unknown> | undefined;
    const refusalFor = (identity: CallIdentity, request: unknown, host: string): Refusal | undefined => {
      if (sasl !== undefined && identity.authenticatedBy === undefined) {
        return { code: 'SASL_AUTHENTICATION_FAILED', message: `${method} needs authentication: call Authenticate first and send its session token (missing, expired or unknown token)` };
      }
      if (security.scopeOf === undefined) return undefined;
      // A method nobody wrote ACL checks for is refused rather than open to every principal.
      if (rule === undefined) return { code: 'CLUSTER_AUTHORIZATION_FAILED', message: `${method} has no ACL rule on this broker, so the authorizer refuses it` };
      return refusalOf(rule, request, security.scopeOf(identity.principal, host), identity.principal);
    };
    secured[method] = streamMethods.has(method) ? guardedStream(handler as AnyStream, refusalFor, sasl?.tokens) : guardedUnary(handler as AnyUnary, refusalFor, rule, security, sasl?.tokens);
  }
  if (sasl !== undefined) secured.Authenticate = unary((call) => sasl.authenticator.authenticate(call.request, call.getPeer()));
  return secured;
}

type RefusalFor = (identity: CallIdentity, request: unknown, host: string) => Refusal | undefined;

function identityOf(call: ServerUnaryCall<unknown, unknown> | ServerDuplexStream<unknown, unknown>, tokens: SessionTokens | undefined): CallIdentity {
  return callIdentity(call, call.metadata, tokens === undefined ? undefined : (token) => tokens.userOf(token));
}

function guardedUnary(handler: AnyUnary, refusalFor: RefusalFor, rule: AccessRule<unknown> | undefined, security: GrpcSecurity, tokens: SessionTokens | undefined): AnyUnary {
  return (call, callback) => {
    const identity = identityOf(call, tokens);
    const host = clientHost(call.getPeer());
    const refusal = refusalFor(identity, call.request, host);
    if (refusal !== undefined) {
      callback(null, { error: refusal });
      return;
    }
    const scopeOf = security.scopeOf;
    if (rule === undefined || scopeOf === undefined || (rule.hide === undefined && rule.narrow === undefined)) {
      handler(call, callback);
      return;
    }
    const scope = scopeOf(identity.principal, host);
    const request = rule.narrow?.(call.request, scope) ?? call.request;
    // The same call with the narrowed request: grpc-js's call methods read plain properties, so a derived object serves.
    const narrowed = request === call.request ? call : (Object.create(call, { request: { value: request } }) as typeof call);
    const hide = rule.hide;
    const filtered: sendUnaryData<unknown> = (error, value, ...rest) =>
      callback(error, hide === undefined || value === undefined || value === null ? value : hideUndescribed(hide, request, value as object, scope), ...rest);
    handler(narrowed, filtered);
  };
}

function guardedStream(handler: AnyStream, refusalFor: RefusalFor, tokens: SessionTokens | undefined): AnyStream {
  return (call) => {
    const host = clientHost(call.getPeer());
    // A token checked per request: one that expires while the stream is open stops serving it.
    guardStreamRequests(call, async (request, handle) => {
      const refusal = refusalFor(identityOf(call, tokens), request, host);
      return refusal === undefined ? handle(request) : { error: refusal };
    });
    handler(call);
  };
}
