import { REAL_LOG_SYNC, type LogSync } from '../file-sync.js';

export type SyncKind = 'segment-data' | 'directory';

interface HeldCall {
  kind: SyncKind;
  release(): void;
}

/**
 * A LogSync for tests that decides when each fsync ends: a held kind waits in `held` until the test
 * releases it (then the real fsync runs); other kinds run at once. A sync covers what was written
 * before it was called, so holding one models a slow disk exactly.
 */
export class HeldSync implements LogSync {
  readonly held: HeldCall[] = [];
  private readonly holding = new Set<SyncKind>();
  private running = 0;

  segmentData(fd: number): Promise<void> {
    return this.call('segment-data', () => REAL_LOG_SYNC.segmentData(fd));
  }

  directory(dir: string): Promise<void> {
    return this.call('directory', () => REAL_LOG_SYNC.directory(dir));
  }

  hold(...kinds: SyncKind[]): void {
    for (const kind of kinds) this.holding.add(kind);
  }

  /** Stops holding every kind and releases what waits. */
  releaseAll(): void {
    this.holding.clear();
    for (const call of this.held.splice(0)) call.release();
  }

  /** Releases the oldest held call of `kind`; throws when there is none. */
  releaseOne(kind: SyncKind): void {
    const at = this.held.findIndex((c) => c.kind === kind);
    if (at < 0) throw new Error(`no held ${kind} sync`);
    this.held.splice(at, 1)[0]!.release();
  }

  heldCount(kind: SyncKind): number {
    return this.held.filter((c) => c.kind === kind).length;
  }

  /** fsyncs started and not yet finished, held ones excluded. */
  get inFlight(): number {
    return this.running;
  }

  private call(kind: SyncKind, real: () => Promise<void>): Promise<void> {
    const run = (): Promise<void> => {
      this.running++;
      return real().finally(() => this.running--);
    };
    if (!this.holding.has(kind)) return run();
    return new Promise((resolve, reject) => {
      this.held.push({ kind, release: () => void run().then(resolve, reject) });
    });
  }
}

/** Lets every pending promise continuation run (they all run before the next macrotask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
