import type { Message, NodeId } from '@quill/raft';

type ResponseType = 'PreVoteResponse' | 'VoteResponse' | 'InstallSnapshotResponse';

interface Waiter {
  resolve: (message: Message | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * Pairs the core's response messages with the unary gRPC calls that carried the requests (votes,
 * snapshots; appends and heartbeats go on streams that need no pairing): the core is
 * message-driven (a response is just another message), gRPC is request/response. A call whose
 * request the core answered with nothing (a stale term, a vote during a leader lease) is answered
 * empty after `timeoutMs`. Answers go to the oldest waiting call of the same peer and type; the
 * pairing order does not matter to Raft, only that each answer is delivered once.
 */
export class PendingReplies {
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(private readonly timeoutMs: number) {}

  private static key(peer: NodeId, type: ResponseType): string {
    return `${peer}:${type}`;
  }

  expect(peer: NodeId, type: ResponseType): Promise<Message | undefined> {
    const key = PendingReplies.key(peer, type);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const list = this.waiters.get(key);
          const at = list?.indexOf(waiter) ?? -1;
          if (list !== undefined && at >= 0) list.splice(at, 1);
          resolve(undefined);
        }, this.timeoutMs),
      };
      const list = this.waiters.get(key);
      if (list === undefined) this.waiters.set(key, [waiter]);
      else list.push(waiter);
    });
  }

  /** Hands `message` to the call waiting for it; false if none waits (the call gave up). */
  fulfil(message: Message & { type: ResponseType }): boolean {
    const list = this.waiters.get(PendingReplies.key(message.to, message.type));
    const waiter = list?.shift();
    if (waiter === undefined) return false;
    clearTimeout(waiter.timer);
    waiter.resolve(message);
    return true;
  }

  /** Answers every waiting call empty (shutdown). */
  clear(): void {
    for (const list of this.waiters.values()) {
      for (const waiter of list.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.resolve(undefined);
      }
    }
  }
}
