/** What `admin.deleteTopicRecords` takes (KafkaJS's shape). */
export interface DeleteTopicRecordsOptions {
  topic: string;
  /** Records below `offset` are deleted; -1 deletes up to the high watermark (everything committed). */
  partitions: Array<{ partition: number; offset: number | string }>;
}

/** One partition's outcome of `admin.deleteTopicRecords`. */
export interface DeletedRecords {
  topic: string;
  partition: number;
  /** The partition's log start offset after the deletion. */
  lowWatermark: number;
}

/** One partition's offset, as `admin.fetchTopicOffsetsByTimestamp` returns it. */
export interface PartitionOffset {
  partition: number;
  offset: number;
}
