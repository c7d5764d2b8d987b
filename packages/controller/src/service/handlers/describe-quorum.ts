import type { ControllerHandlers } from '@quill/proto';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** DescribeQuorum: the active controller's view of each voter's and observer's replication progress. */
export function describeQuorumHandler(ctx: ControllerServiceContext): ControllerHandlers['DescribeQuorum'] {
  return unary(ctx, async () => {
    if (!ctx.driver.isLeader) throw ctx.active.notController();
    const status = ctx.driver.status();
    const now = Date.now();
    const voters = [...ctx.voters.keys()].sort((a, b) => a - b).map((id) => {
      const match = id === ctx.nodeId ? status.lastIndex : (ctx.driver.followerProgress(id)?.match ?? 0);
      const contact = id === ctx.nodeId ? now : (ctx.lastContactMs.get(id) ?? -1);
      return { replicaId: id, logEndOffset: match, lastFetchTimestampMs: contact, lastCaughtUpTimestampMs: match >= status.commit ? contact : -1, lag: Math.max(0, status.commit - match) };
    });
    const observers = ctx.log.observers().map((o) => ({ replicaId: o.brokerId, logEndOffset: o.offset, lastFetchTimestampMs: o.lastFetchMs, lastCaughtUpTimestampMs: o.offset >= status.commit ? o.lastFetchMs : -1, lag: Math.max(0, status.commit - o.offset) }));
    return { leaderId: status.leaderId, term: status.term, highWatermark: status.commit, voters, observers };
  });
}
