import type { DescribedGroup, ListedGroup } from '@quill/proto';
import type { Group } from './group.js';

/** ListGroups: each group's id, protocol type and state, only those in `statesFilter` (any case) if it names any. */
export function listGroups(groups: Iterable<Group>, statesFilter: readonly string[]): ListedGroup[] {
  const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
  return [...groups]
    .filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
}

/** Kafka's group summary: member metadata and assignments only in a Stable group; an unknown group is Dead. */
export function describeGroup(groupId: string, group: Group | undefined): DescribedGroup {
  if (group === undefined) return { groupId, errorCode: 'NONE', errorMessage: '', groupState: 'Dead', protocolType: '', protocolName: '', members: [] };
  const stable = group.is('Stable');
  return {
    groupId,
    errorCode: 'NONE',
    errorMessage: '',
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolName: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? group.metadataOf(m) : Buffer.alloc(0),
      memberAssignment: stable ? m.assignment : Buffer.alloc(0),
    })),
  };
}
