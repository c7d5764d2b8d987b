import { topicPartitionKey } from '../cluster/index.js';
import type { FetchedPartition, Fetcher } from './fetcher.js';
import type { HandlersInFlight } from './handlers-in-flight.js';
import type { OffsetCommitter } from './offset-committer.js';
import type { Reader } from './reader.js';
import { toConsumedMessage } from './received-message.js';
import type { RecordView } from './record-view.js';
import type { ConsumedMessage } from './types.js';

/** What the iterator reads with. */
export interface MessageIteratorParts {
  fetcher: Fetcher;
  view: RecordView;
  inFlight: HandlersInFlight;
  /** Present in a group. */
  committer: OffsetCommitter | undefined;
}

/**
 * `consumer.messages()`: the fetched messages one by one. A message counts as processed when
 * the next one is asked for; the time in between counts as its handler's for maxPollIntervalMs.
 * Ends when the reader stops; `onEnd` runs however the iteration ends.
 */
export async function* iterateMessages(
  parts: MessageIteratorParts,
  reader: Reader,
  onEnd: () => void,
): AsyncGenerator<ConsumedMessage, void, undefined> {
  const { fetcher, view, inFlight, committer } = parts;
  const { signal } = reader;
  try {
    for (;;) {
      let fetched: FetchedPartition[];
      try {
        fetched = await fetcher.poll(signal);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      for (const data of fetched) {
        const { topic, partition } = data;
        // Outside a group nothing reads handler times or commits: skip that per-message work.
        const key = committer ? topicPartitionKey(topic, partition) : undefined;
        for (const record of view.records(data)) {
          if (key !== undefined) inFlight.started(key);
          try {
            yield toConsumedMessage(record, topic, partition);
          } finally {
            if (key !== undefined) inFlight.finished(key);
          }
          if (signal.aborted) return;
          if (!committer) continue;
          view.markProcessed(topic, partition, record.offset + 1);
          // Checked before awaiting: an await per message costs a promise and a microtask turn.
          if (committer.autoCommitDue()) await committer.autoCommitIfDue();
        }
      }
    }
  } finally {
    onEnd();
  }
}
