export { cooperativeStickyAssignor, stickyTargetAssignment, withholdMovedPartitions } from './cooperative-sticky.js';
export { rangeAssignor } from './range.js';
export { roundRobinAssignor } from './round-robin.js';
export type { AssignmentInput, AssignorMember, GroupAssignment, PartitionAssignor } from './types.js';

import { cooperativeStickyAssignor } from './cooperative-sticky.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './round-robin.js';

/** The built-in assignors, for `quill.consumer({ partitionAssigners: [...] })` (KafkaJS's name). */
export const PartitionAssigners = {
  range: rangeAssignor,
  roundRobin: roundRobinAssignor,
  cooperativeSticky: cooperativeStickyAssignor,
} as const;
