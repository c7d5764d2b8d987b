import { QuillError } from '@quill/proto';
import { CLOSE_CONNECTION, NO_ANSWER, type HandlerGuard, type KafkaHandler, type KafkaRequestContext } from '../handler-registry.js';
import type { AccessRule, AccessScope } from './access-decision.js';

/** Kafka's principal of a connection that did not authenticate (PLAINTEXT, or SSL without SASL). */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/** A request's principal as Kafka's: the SASL one, else the client certificate's, else ANONYMOUS. */
export function principalOf(context: KafkaRequestContext): string {
  return context.session?.principal ?? context.tlsPrincipal ?? ANONYMOUS_PRINCIPAL;
}

/** The access scope of one request: its connection's principal and host against the broker's ACLs. */
export type ScopeOf = (principal: string, host: string) => AccessScope;

// How a dual-stack socket reports an IPv4 client; ACLs name the IPv4 address, as Kafka's do.
const IPV4_MAPPED_PREFIX = '::ffff:';

/** The client's IP address from `clientAddress` (host:port, IPv6 hosts bracketed or not). */
export function clientHost(clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(':');
  const withBrackets = colon < 0 ? clientAddress : clientAddress.slice(0, colon);
  const host = withBrackets.startsWith('[') && withBrackets.endsWith(']') ? withBrackets.slice(1, -1) : withBrackets;
  const mapped = host.toLowerCase().startsWith(IPV4_MAPPED_PREFIX) ? host.slice(IPV4_MAPPED_PREFIX.length) : '';
  return mapped.includes('.') ? mapped : host;
}

/**
 * `handler` with its API's access rule applied before it runs: a refused request (or the refused
 * part of it) is answered with the handler's own error answer carrying Kafka's authorization code,
 * so every API refuses in the shape its clients expect.
 */
export function withAuthorization<Request>(handler: KafkaHandler<Request>, rule: AccessRule<Request>, scopeOf: ScopeOf): KafkaHandler<Request> {
  const refuse = (request: Request, code: QuillError['code'], context: KafkaRequestContext): object => {
    const error = new QuillError(code, `${code} for ${principalOf(context)}`);
    return handler.errorResponse?.(error, request, context) ?? CLOSE_CONNECTION;
  };
  return {
    ...handler,
    handle: async (request, context) => {
      const scope = scopeOf(principalOf(context), clientHost(context.clientAddress));
      const decision = rule(request, scope, context.header.apiVersion);
      switch (decision.kind) {
        case 'allow':
          return handler.handle(request, context);
        case 'deny':
          return refuse(request, decision.code, context);
        case 'filter':
          return decision.filter(await handler.handle(decision.request, context));
        case 'split': {
          const denied = refuse(decision.denied, decision.code, context);
          if (decision.allowed === undefined || denied === CLOSE_CONNECTION) return denied;
          const allowed = await handler.handle(decision.allowed, context);
          // An acks=0 Produce has no answer to join: a refused part closes the connection, as any failure does.
          if (allowed === NO_ANSWER || allowed === CLOSE_CONNECTION) return CLOSE_CONNECTION;
          return decision.merge(allowed, denied);
        }
      }
    },
  };
}

/** Every handler whose API has an access rule, with the rule applied; the others as they are. */
export function authorizingGuard(rules: ReadonlyMap<number, AccessRule<unknown>>, scopeOf: ScopeOf): HandlerGuard {
  return <Request>(handler: KafkaHandler<Request>) => {
    const rule = rules.get(handler.apiKey) as AccessRule<Request> | undefined;
    return rule === undefined ? handler : withAuthorization(handler, rule, scopeOf);
  };
}
