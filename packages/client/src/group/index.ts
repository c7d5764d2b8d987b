export {
  PartitionAssigners,
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  stickyTargetAssignment,
  withholdMovedPartitions,
  type AssignmentInput,
  type AssignorMember,
  type GroupAssignment,
  type PartitionAssignor,
} from './assignors/index.js';
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberAssignment,
  type Subscription,
} from './consumer-protocol.js';
export { GroupCoordinator, responseErrorCode } from './coordinator.js';
export { GroupMember, type GroupMemberEvent } from './group-member.js';
export { Membership, groupErrorAction, type GroupErrorAction, type JoinOutcome, type JoinResult, type MemberPhase } from './membership.js';
export type { AssignmentListener, GroupSettings, TopicPartitionCommit } from './types.js';
