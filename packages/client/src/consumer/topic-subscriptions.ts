/** One subscribe() entry: a topic name or pattern and where partitions without a committed offset start. */
interface TopicSubscription {
  topic: string | RegExp;
  fromBeginning: boolean;
}

/**
 * What a group consumer subscribed to: names and RegExps, each with its fromBeginning. Pure:
 * the consumer hands it the cluster's topic names to resolve the patterns against.
 */
export class TopicSubscriptions {
  private readonly entries: TopicSubscription[] = [];

  /** Adds topics (validated: a non-empty name or a RegExp). */
  add(topics: ReadonlyArray<string | RegExp>, fromBeginning: boolean): void {
    for (const topic of topics) {
      if (!(topic instanceof RegExp) && (typeof topic !== 'string' || topic === '')) {
        throw new RangeError(`invalid topic ${JSON.stringify(topic)}: a name or a RegExp`);
      }
    }
    for (const topic of topics) this.entries.push({ topic, fromBeginning });
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** True when some entry is a RegExp (resolving needs the cluster's topic list). */
  get hasPatterns(): boolean {
    return this.entries.some((e) => e.topic instanceof RegExp);
  }

  /** The subscribed topics: the names, and those of `clusterTopics` a pattern matches. */
  resolve(clusterTopics: readonly string[]): string[] {
    const names = this.entries.flatMap((e) => (typeof e.topic === 'string' ? [e.topic] : []));
    const matched = clusterTopics.filter((name) => this.entries.some((e) => e.topic instanceof RegExp && matches(e.topic, name)));
    return [...new Set([...names, ...matched])];
  }

  /** Whether `topic`'s partitions without a committed offset start at the log start (else at the end). */
  fromBeginning(topic: string): boolean {
    const entry = this.entries.find((e) => (typeof e.topic === 'string' ? e.topic === topic : matches(e.topic, topic)));
    return entry?.fromBeginning ?? false;
  }
}

/** A RegExp test without the global/sticky flags' lastIndex state. */
function matches(pattern: RegExp, name: string): boolean {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(name);
}
