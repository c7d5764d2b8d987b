import type { AclOperation, AclResourceType } from '@quill/metadata';
import type { ErrorCode } from '@quill/proto';

/** What a rule may ask about the request's principal and the broker's metadata. */
export interface AccessScope {
  /** Whether the connection's principal may do `operation` on the resource. */
  can(operation: AclOperation, resourceType: AclResourceType, resourceName: string): boolean;
  /** A topic's name by id (Fetch v13+ names topics by id), or undefined when unknown. */
  topicNameOf(topicId: string): string | undefined;
  /** Every topic the broker's metadata holds. */
  topicNames(): Iterable<string>;
}

/**
 * What the authorization rule of an API decides about one request:
 * - allow: the handler answers it as it is;
 * - deny: Kafka's error answer for the whole request, with `code`;
 * - split: the handler answers `allowed` (absent when nothing is), `denied` is answered `code`,
 *   and `merge` joins the two answers;
 * - filter: the handler answers `request` and `filter` removes what the principal may not see.
 */
export type AccessDecision<Request> =
  | { kind: 'allow' }
  | { kind: 'deny'; code: ErrorCode }
  | { kind: 'split'; allowed: Request | undefined; denied: Request; code: ErrorCode; merge(allowed: object, denied: object): object }
  | { kind: 'filter'; request: Request; filter(response: object): object };

export type AccessRule<Request> = (request: Request, scope: AccessScope, apiVersion: number) => AccessDecision<Request>;

export const ALLOW: { kind: 'allow' } = { kind: 'allow' };

/**
 * Splits a request whose `items` are authorized one by one (topics of a Produce, groups of a
 * DescribeGroups): allowed when every item is, else the handler sees the allowed items and the
 * answers' `responseField` arrays are joined.
 */
export function splitItems<Request, Item>(
  items: readonly Item[],
  withItems: (items: Item[]) => Request,
  allowed: (item: Item) => boolean,
  code: ErrorCode,
  responseField: string,
): AccessDecision<Request> {
  const yes = items.filter(allowed);
  if (yes.length === items.length) return ALLOW;
  const no = items.filter((item) => !allowed(item));
  return {
    kind: 'split',
    allowed: yes.length === 0 ? undefined : withItems(yes),
    denied: withItems(no),
    code,
    merge: (a, d) => ({ ...a, [responseField]: [...arrayField(a, responseField), ...arrayField(d, responseField)] }),
  };
}

function arrayField(body: object, field: string): unknown[] {
  const value = (body as Record<string, unknown>)[field];
  return Array.isArray(value) ? value : [];
}
