import { QuillError } from '@quill/proto';

export interface ProducerIdBlock {
  start: number;
  length: number;
}

/**
 * Hands out producer ids for InitProducerId from blocks the active controller allocates (so ids
 * are unique across brokers without a round trip per producer). One refill at a time.
 */
export class ProducerIdManager {
  private next = 0;
  private end = 0;
  private refilling: Promise<void> | undefined;

  constructor(private readonly allocate: () => Promise<ProducerIdBlock>) {}

  async nextId(): Promise<number> {
    while (this.next >= this.end) {
      this.refilling ??= this.refill().finally(() => {
        this.refilling = undefined;
      });
      await this.refilling;
    }
    return this.next++;
  }

  private async refill(): Promise<void> {
    const block = await this.allocate();
    if (block.length <= 0) throw new QuillError('UNKNOWN_SERVER_ERROR', 'the controller allocated an empty producer id block');
    this.next = block.start;
    this.end = block.start + block.length;
  }
}
