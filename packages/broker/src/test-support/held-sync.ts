import { REAL_LOG_SYNC, type LogSync } from '@quill/storage';

/** A disk whose segment fsyncs wait, while `holding`, until the test releases them (then the real fsync runs). */
export class HeldSync implements LogSync {
  holding = false;
  private readonly held: Array<() => void> = [];

  segmentData(fd: number): Promise<void> {
    if (!this.holding) return REAL_LOG_SYNC.segmentData(fd);
    return new Promise<void>((resolve) => this.held.push(resolve)).then(() => REAL_LOG_SYNC.segmentData(fd));
  }

  directory(dir: string): Promise<void> {
    return REAL_LOG_SYNC.directory(dir);
  }

  /** How many segment fsyncs wait. */
  get waiting(): number {
    return this.held.length;
  }

  /** Stops holding and lets every waiting fsync run. */
  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}
