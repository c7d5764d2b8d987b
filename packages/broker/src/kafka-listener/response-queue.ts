/**
 * What a request comes to: a response frame to write (then the connection closed when `thenClose`),
 * or the connection closed after the answers before it, or 'none': the request is done and nothing
 * is sent (a request the client expects no answer to).
 */
export type RequestOutcome = { kind: 'answer'; frame: Buffer; thenClose?: boolean } | { kind: 'close' } | { kind: 'none' };

interface Slot {
  outcome: RequestOutcome | undefined;
}

/**
 * The requests of one connection in the order they arrived. Handlers may finish in any order;
 * answers leave strictly in arrival order, as Kafka clients match them by position. At most
 * `maxInFlight` requests are held: `full` tells the reader to stop reading the socket.
 */
export class ResponseQueue {
  private readonly slots: Slot[] = [];
  private closed = false;

  constructor(
    private readonly maxInFlight: number,
    private readonly sink: { write(frame: Buffer): void; close(): void },
  ) {}

  get inFlight(): number {
    return this.slots.length;
  }

  get full(): boolean {
    return this.slots.length >= this.maxInFlight;
  }

  /** Holds the place of a request whose outcome `pending` settles later (it must not reject). */
  add(pending: Promise<RequestOutcome>): void {
    const slot: Slot = { outcome: undefined };
    this.slots.push(slot);
    void pending.then((outcome) => {
      slot.outcome = outcome;
      this.flush();
    });
  }

  /** Drops every request still held (the connection is gone). */
  abandon(): void {
    this.closed = true;
    this.slots.length = 0;
  }

  private flush(): void {
    while (!this.closed) {
      const outcome = this.slots[0]?.outcome;
      if (outcome === undefined) return;
      this.slots.shift();
      if (outcome.kind === 'close') {
        this.abandon();
        this.sink.close();
        return;
      }
      if (outcome.kind === 'answer') this.sink.write(outcome.frame);
      if (outcome.kind === 'answer' && outcome.thenClose === true) {
        this.abandon();
        this.sink.close();
        return;
      }
    }
  }
}
