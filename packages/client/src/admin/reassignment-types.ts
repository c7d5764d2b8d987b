/** One partition's target replicas (preferred leader first); `null` cancels its move. */
export interface PartitionReassignmentTarget {
  partition: number;
  replicas: number[] | null;
}

/** KafkaJS's alterPartitionReassignments options. */
export interface AlterPartitionReassignmentsOptions {
  topics: Array<{ topic: string; partitionAssignment: PartitionReassignmentTarget[] }>;
  /** Milliseconds the controller may take. */
  timeout?: number;
}

/** KafkaJS's listPartitionReassignments options: without topics, every move in progress. */
export interface ListPartitionReassignmentsOptions {
  topics?: Array<{ topic: string; partitions: number[] }>;
  timeout?: number;
}

/** A move in progress: `replicas` is the target followed by the replicas to remove. */
export interface OngoingPartitionReassignment {
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface ListPartitionReassignmentsResult {
  topics: Array<{ topic: string; partitions: OngoingPartitionReassignment[] }>;
}
