/** Bytes and records that crossed this broker for one topic since it started. */
export interface TopicTrafficTotals {
  bytesIn: number;
  recordsIn: number;
  bytesOut: number;
}

/**
 * Per-topic traffic totals, plain counters the hot paths bump and the metrics read when scraped.
 * A deleted topic's totals go with it, so the map stays as large as the topics that exist.
 */
export class TopicTraffic {
  private readonly totals = new Map<string, TopicTrafficTotals>();

  private of(topic: string): TopicTrafficTotals {
    let totals = this.totals.get(topic);
    if (totals === undefined) {
      totals = { bytesIn: 0, recordsIn: 0, bytesOut: 0 };
      this.totals.set(topic, totals);
    }
    return totals;
  }

  /** A producer's batches appended as leader. */
  produced(topic: string, bytes: number, records: number): void {
    const totals = this.of(topic);
    totals.bytesIn += bytes;
    totals.recordsIn += records;
  }

  /** Record batches sent to a consumer. */
  fetched(topic: string, bytes: number): void {
    if (bytes > 0) this.of(topic).bytesOut += bytes;
  }

  forget(topic: string): void {
    this.totals.delete(topic);
  }

  entries(): IterableIterator<[string, TopicTrafficTotals]> {
    return this.totals.entries();
  }
}
