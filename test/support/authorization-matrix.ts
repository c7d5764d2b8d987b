import type { AclEntry } from '@quill/client';
import { allowAcl } from './acl-entry.js';

/** The principals every API is called as. */
export const PRINCIPAL_KINDS = ['no-credentials', 'wrong-password', 'no-acls', 'exact-acl', 'deny-over-allow', 'prefixed-acl', 'super-user'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** The kinds an API serves (the others are refused): exactly the ACL it needs, a PREFIXED one over its names, or a super user. */
export const ALLOWED_KINDS: ReadonlySet<PrincipalKind> = new Set(['exact-acl', 'prefixed-acl', 'super-user']);

/**
 * The resources one (listener, principal kind) pair calls every API on, all under `prefix`
 * (so a PREFIXED ACL on it covers them and a response naming another pair's prefix leaked it).
 */
export interface MatrixNames {
  prefix: string;
  /** A topic with one partition and a record. */
  topic: string;
  /** A topic the DeleteTopics row deletes. */
  deletableTopic: string;
  /** A topic name that does not exist (CreateTopics validates it only). */
  newTopic: string;
  /** A group with committed offsets (on `topic` and on the secret topic). */
  group: string;
  /** A group the DeleteGroups row deletes. */
  deletableGroup: string;
  transactionalId: string;
}

export function matrixNames(listener: 'grpc' | 'kafka', kind: PrincipalKind): MatrixNames {
  const prefix = `mx-${listener}-${kind}.`;
  return { prefix, topic: `${prefix}t`, deletableTopic: `${prefix}del`, newTopic: `${prefix}new`, group: `${prefix}g`, deletableGroup: `${prefix}dg`, transactionalId: `${prefix}tx` };
}

/** A topic nobody but the super user may describe; the matrix's groups hold offsets on it too. */
export const SECRET_TOPIC = 'mx-secret.t';

/** One ACL an API needs: `operation` on the resource `name` picks from the pair's names. */
export interface Need {
  resourceType: AclEntry['resourceType'];
  operation: AclEntry['operation'];
  name(names: MatrixNames): string;
}

export const CLUSTER = 'kafka-cluster';
export const onTopic = (operation: AclEntry['operation'], name: (n: MatrixNames) => string = (n) => n.topic): Need => ({ resourceType: 'TOPIC', operation, name });
export const onGroup = (operation: AclEntry['operation'], name: (n: MatrixNames) => string = (n) => n.group): Need => ({ resourceType: 'GROUP', operation, name });
export const onTransactionalId = (operation: AclEntry['operation']): Need => ({ resourceType: 'TRANSACTIONAL_ID', operation, name: (n) => n.transactionalId });
export const onCluster = (operation: AclEntry['operation']): Need => ({ resourceType: 'CLUSTER', operation, name: () => CLUSTER });

/**
 * One API's row: the ACLs it needs and how a principal without them is answered — an
 * authorization code, or `hidden` for a listing that is never refused but leaves out what the
 * principal may not describe (the needed resource must then appear exactly for the allowed kinds).
 * `seesEverything`: the API lists cluster-wide state to whoever may call it (Kafka's DescribeAcls),
 * so its answers are not checked for other principals' names.
 * `unimplemented`: why the broker does not serve the method today (every principal is answered
 * UNIMPLEMENTED; a row that starts being served fails until its expectation is updated).
 */
export interface MatrixRow<Call> {
  needs: readonly Need[];
  refusal: AuthorizationCode | 'hidden';
  call: Call;
  seesEverything?: boolean;
  unimplemented?: string;
}

export const AUTHORIZATION_CODES = ['TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'] as const;
export type AuthorizationCode = (typeof AUTHORIZATION_CODES)[number];

const acl = (principal: string, need: Need, names: MatrixNames, extra: Partial<AclEntry> = {}): AclEntry => allowAcl(principal, need.operation, need.resourceType, need.name(names), extra);

/** Exactly the ACLs `needs` names, for `principal`. */
export function exactAcls(principal: string, needs: readonly Need[], names: MatrixNames): AclEntry[] {
  return needs.map((need) => acl(principal, need, names));
}

/** The same operations allowed on every name under the prefix (the cluster, which has one name, by a PREFIXED ACL on that name). */
export function prefixedAcls(principal: string, needs: readonly Need[], names: MatrixNames): AclEntry[] {
  return needs.map((need) => acl(principal, need, names, { resourceName: need.resourceType === 'CLUSTER' ? CLUSTER : names.prefix, resourcePatternType: 'PREFIXED' }));
}

/** The prefixed ALLOWs, and a literal DENY of each needed ACL over them. */
export function denyOverAllowAcls(principal: string, needs: readonly Need[], names: MatrixNames): AclEntry[] {
  return [...prefixedAcls(principal, needs, names), ...needs.map((need) => acl(principal, need, names, { permissionType: 'DENY' }))];
}

/** Every string in `value` under a key named `key`, depth first (error codes of every level of an answer). */
export function valuesUnder(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((item) => valuesUnder(item, key));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === key ? [v, ...valuesUnder(v, key)] : valuesUnder(v, key)));
}

/** An answer as text, to search for names it must not hold. */
export function answerText(answer: unknown): string {
  return JSON.stringify(answer, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/**
 * The names a principal of `kind` must never be shown: the prefixes of every other kind, and the
 * secret topic. (A kind's principals hold their ACLs on both listeners' names of that kind.)
 */
export function foreignNames(kind: PrincipalKind): string[] {
  const others = PRINCIPAL_KINDS.filter((other) => other !== kind);
  return [...(['grpc', 'kafka'] as const).flatMap((listener) => others.map((other) => matrixNames(listener, other).prefix)), SECRET_TOPIC];
}
