/**
 * A min-heap of timed events. Ties in time are broken by insertion order, so the
 * order of events is a pure function of the schedule (hence of the seed).
 */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly sequences: number[] = [];
  private readonly items: T[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    this.times.push(time);
    this.sequences.push(this.nextSequence++);
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  /** The time of the earliest event; undefined when empty. */
  peekTime(): number | undefined {
    return this.times[0];
  }

  pop(): T | undefined {
    const last = this.items.length - 1;
    if (last < 0) return undefined;
    const top = this.items[0] as T;
    this.move(last, 0);
    this.times.pop();
    this.sequences.pop();
    this.items.pop();
    if (this.items.length > 0) this.siftDown(0);
    return top;
  }

  private before(a: number, b: number): boolean {
    const timeA = this.times[a] as number;
    const timeB = this.times[b] as number;
    return timeA < timeB || (timeA === timeB && (this.sequences[a] as number) < (this.sequences[b] as number));
  }

  private siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    const size = this.items.length;
    let parent = index;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < size && this.before(left, smallest)) smallest = left;
      if (right < size && this.before(right, smallest)) smallest = right;
      if (smallest === parent) return;
      this.swap(parent, smallest);
      parent = smallest;
    }
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.sequences[to] = this.sequences[from] as number;
    this.items[to] = this.items[from] as T;
  }

  private swap(a: number, b: number): void {
    const time = this.times[a] as number;
    const sequence = this.sequences[a] as number;
    const item = this.items[a] as T;
    this.move(b, a);
    this.times[b] = time;
    this.sequences[b] = sequence;
    this.items[b] = item;
  }
}
