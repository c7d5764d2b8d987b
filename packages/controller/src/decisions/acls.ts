// CreateAcls and DeleteAcls with Kafka's semantics (KRaft's AclControlManager): each creation and
// each filter is answered on its own; an invalid binding is refused with INVALID_REQUEST while
// the others still apply; a binding that exists already is not stored twice; a filter deletes
// every binding it matches, and a binding matched by several filters is removed once.
import { ErrorCode } from '@quill/proto';
import {
  accessControlEntryRecord,
  aclsMatching,
  invalidAclBinding,
  parseAclBindingFilter,
  removeAccessControlEntryRecord,
  sameAclBinding,
  type AclBinding,
  type AclBindingFilter,
  type AclBindingFilterFields,
  type MetadataRecord,
  type MetadataState,
} from '@quill/metadata';
import { accept, type Accepted } from './decision.js';

export interface AclOutcome {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string;
}

export interface AclDeletionOutcome extends AclOutcome {
  readonly deleted: readonly AclBinding[];
}

const DONE: AclOutcome = { errorCode: ErrorCode.NONE, errorMessage: '' };

/** Stores each valid new binding under an id from `newId`; one outcome per creation. */
export function createAcls(state: MetadataState, creations: readonly AclBinding[], newId: () => string): Accepted<AclOutcome[]> {
  const records: MetadataRecord[] = [];
  const stored: AclBinding[] = [...state.acls.values()];
  const outcomes = creations.map((binding): AclOutcome => {
    const invalid = invalidAclBinding(binding);
    if (invalid !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid };
    if (stored.some((existing) => sameAclBinding(existing, binding))) return DONE;
    stored.push(binding);
    records.push(accessControlEntryRecord(newId(), binding));
    return DONE;
  });
  return accept(records, outcomes);
}

/**
 * Removes the bindings each filter matches; one outcome per filter, listing what it matched. A
 * filter naming an unknown enumerated value is refused with INVALID_REQUEST alone.
 */
export function deleteAcls(state: MetadataState, filters: readonly AclBindingFilterFields[]): Accepted<AclDeletionOutcome[]> {
  const removed = new Set<string>();
  const records: MetadataRecord[] = [];
  const outcomes = filters.map((fields): AclDeletionOutcome => {
    const filter = parseAclBindingFilter(fields);
    if (typeof filter === 'string') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: filter, deleted: [] };
    const matches = aclsMatching(state, filter);
    for (const { id } of matches) {
      if (removed.has(id)) continue;
      removed.add(id);
      records.push(removeAccessControlEntryRecord(id));
    }
    return { ...DONE, deleted: matches.map((m) => m.binding) };
  });
  return accept(records, outcomes);
}

/** The bindings the filter matches (DescribeAcls), in a stable order. */
export function describeAcls(state: MetadataState, filter: AclBindingFilter): AclBinding[] {
  return aclsMatching(state, filter).map((m) => m.binding);
}
