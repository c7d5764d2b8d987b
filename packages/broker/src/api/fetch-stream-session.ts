import type { ReplicaFetchResponse } from '@quill/proto';

interface Told {
  highWatermark: number;
  logStartOffset: number;
}

/**
 * What a leader told one follower on one ReplicaFetchStream, so each answer carries only the
 * partitions with something new (records, a divergence, an error, or a high watermark or log
 * start the follower has not heard yet), as Kafka's incremental fetch sessions do (KIP-227). A
 * partition the answer leaves out is one whose state the follower already has: its fetcher
 * applies only what an answer names. With hundreds of partitions per leader most fetches find
 * news for a few, and the rest cost an entry to encode, decode and apply on every fetch.
 *
 * The state lives as long as the stream. A follower that may have missed an answer (an answer
 * it skipped, or a failure while applying one) opens a new stream, which starts from nothing.
 */
export class FetchStreamSession {
  private readonly told = new Map<string, Told>();

  /** Drops from `response` what this follower already knows, and remembers the rest as told. */
  trim(response: ReplicaFetchResponse): ReplicaFetchResponse {
    if (response.topics === undefined) return response;
    const topics: NonNullable<ReplicaFetchResponse['topics']> = [];
    for (const topic of response.topics) {
      const partitions = (topic.partitions ?? []).filter((p) => this.isNews(`${topic.topicId}/${p.partition}`, p));
      if (partitions.length > 0) topics.push({ ...topic, partitions });
    }
    return { ...response, topics };
  }

  private isNews(key: string, answer: NonNullable<NonNullable<ReplicaFetchResponse['topics']>[number]['partitions']>[number]): boolean {
    const highWatermark = Number(answer.highWatermark ?? -1);
    const logStartOffset = Number(answer.logStartOffset ?? -1);
    if ((answer.errorCode ?? 'NONE') !== 'NONE') {
      this.told.delete(key);
      return true;
    }
    const told = this.told.get(key);
    const news =
      (answer.records?.length ?? 0) > 0 ||
      (answer.divergingEpoch !== undefined && answer.divergingEpoch !== null) ||
      told === undefined ||
      told.highWatermark !== highWatermark ||
      told.logStartOffset !== logStartOffset;
    if (news) this.told.set(key, { highWatermark, logStartOffset });
    return news;
  }
}
