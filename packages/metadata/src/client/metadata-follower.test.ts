import { EventEmitter } from 'node:events';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { ManualClock } from '@quill/clock';
import { encodeMetadataRecordBatch, type FetchMetadataRequest, type FetchMetadataResponse__Output } from '@quill/proto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { topicByName } from '../state/queries.js';
import { topicRecord, type MetadataRecord } from '../state/records.js';
import { DEFAULT_METADATA_RECONNECT_BACKOFF_MS, MetadataFollower, type FollowedControllers } from './metadata-follower.js';
import { DEFAULT_METADATA_FETCH_TIMEOUT_MS } from './stream-watch.js';

// The follower against scripted controllers on a manual clock: which stream it opens, leaves and
// reopens is decided by time alone, so each case replays exactly.

const logger = pino({ level: 'silent' });
const CONTROLLERS = ['c1:9093', 'c2:9093'];
const KEEPALIVE_INTERVAL_MS = 500;

/** One FetchMetadata stream the follower opened; the test speaks for the controller. */
class ScriptedStream extends EventEmitter {
  cancelled = false;

  constructor(
    readonly address: string,
    readonly request: FetchMetadataRequest,
  ) {
    super();
  }

  cancel(): void {
    this.cancelled = true;
  }

  keepalive(highWatermark: number): void {
    this.emit('data', { error: null, leaderHint: null, highWatermark } satisfies FetchMetadataResponse__Output);
  }

  batch(offset: number, records: MetadataRecord[]): void {
    const message: FetchMetadataResponse__Output = {
      error: null,
      leaderHint: null,
      highWatermark: offset,
      batch: { offset, term: 1, records: encodeMetadataRecordBatch({ records }) },
      payload: 'batch',
    };
    this.emit('data', message);
  }
}

/** Controllers none of which the client believes active: the follower picks them in turn. */
class ScriptedControllers implements FollowedControllers {
  readonly streams: ScriptedStream[] = [];
  readonly forgotten: string[] = [];
  activeController: string | undefined = undefined;

  client(address: string) {
    return {
      FetchMetadata: (request: FetchMetadataRequest) => {
        const stream = new ScriptedStream(address, request);
        this.streams.push(stream);
        return stream as unknown as ClientReadableStream<FetchMetadataResponse__Output>;
      },
    };
  }

  followHint(): string | undefined {
    return undefined;
  }

  forget(address: string): void {
    this.forgotten.push(address);
  }

  onActiveControllerChange(): () => void {
    return () => undefined;
  }

  get open(): ScriptedStream {
    return this.streams[this.streams.length - 1]!;
  }
}

let follower: MetadataFollower | undefined;
afterEach(() => {
  follower?.stop();
  follower = undefined;
});

function startFollower(clock: ManualClock, controllers: ScriptedControllers): MetadataFollower {
  follower = new MetadataFollower({ client: controllers, controllers: CONTROLLERS, clusterId: 'c', logger, clock });
  follower.start();
  return follower;
}

describe('MetadataFollower on a manual clock', () => {
  it('keeps a stream that hears a keepalive every metadata.max.idle.interval.ms, however long', () => {
    const clock = new ManualClock();
    const controllers = new ScriptedControllers();
    startFollower(clock, controllers);
    for (let elapsed = 0; elapsed < 10 * DEFAULT_METADATA_FETCH_TIMEOUT_MS; elapsed += KEEPALIVE_INTERVAL_MS) {
      clock.advance(KEEPALIVE_INTERVAL_MS);
      controllers.open.keepalive(0);
    }
    expect(controllers.streams.map((s) => s.address)).toEqual(['c1:9093']);
    expect(controllers.open.cancelled).toBe(false);
  });

  it('leaves a silent stream once the fetch timeout has passed, and after the backoff reads from the next controller where it left off', () => {
    const clock = new ManualClock();
    const controllers = new ScriptedControllers();
    const following = startFollower(clock, controllers);
    controllers.open.batch(7, [topicRecord('orders', 'topic-id-1')]);
    expect(topicByName(following.state, 'orders')).toBeDefined();

    // Silent just short of the fetch timeout: still there.
    clock.advance(DEFAULT_METADATA_FETCH_TIMEOUT_MS - 1);
    expect(controllers.streams[0]!.cancelled).toBe(false);
    // The idle check at the timeout leaves it (checks run every quarter of the timeout).
    clock.advance(1);
    expect(controllers.streams[0]!.cancelled).toBe(true);
    expect(controllers.forgotten).toEqual(['c1:9093']);
    expect(controllers.streams).toHaveLength(1);

    clock.advance(DEFAULT_METADATA_RECONNECT_BACKOFF_MS);
    expect(controllers.streams.map((s) => s.address)).toEqual(['c1:9093', 'c2:9093']);
    expect(Number(controllers.open.request.fromOffset)).toBe(8);
  });

  it('waitFor fails when the manual clock passes its timeout without the condition', async () => {
    const clock = new ManualClock();
    const controllers = new ScriptedControllers();
    const following = startFollower(clock, controllers);
    const waiting = following.waitFor((s) => topicByName(s, 'never') !== undefined, 1_000);
    clock.advance(1_000);
    await expect(waiting).rejects.toThrow('metadata condition not reached within 1000 ms');
  });

  it('leaves no timer behind once stopped, not even a pending reconnect', () => {
    const clock = new ManualClock();
    const controllers = new ScriptedControllers();
    const following = startFollower(clock, controllers);
    clock.advance(DEFAULT_METADATA_FETCH_TIMEOUT_MS);
    expect(controllers.streams[0]!.cancelled).toBe(true);
    following.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
