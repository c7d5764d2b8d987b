import { QuillError, type ControllerHandlers, type ElectionType__Output, type ErrorCode } from '@quill/proto';
import { electLeaders, type ElectionType } from '../../decisions/elect-leaders.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** ElectLeaders: preferred or unclean leader elections, answered per partition and grouped by topic. */
export function electLeadersHandler(ctx: ControllerServiceContext): ControllerHandlers['ElectLeaders'] {
  return unary(ctx, async (call) => {
    const request = call.request;
    const type = electionType(request.electionType);
    // Empty means every partition (Kafka's null); that makes sense for preferred elections only.
    const targets = request.topics.length === 0 ? undefined : request.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    if (type === 'unclean' && targets === undefined) throw new QuillError('INVALID_REQUEST', 'An unclean election needs the partitions listed.');
    const results = await ctx.active.decide((state) => electLeaders(state, type, targets));
    const byTopic = new Map<string, Array<{ partition: number; errorCode: ErrorCode; errorMessage: string }>>();
    for (const r of results) {
      const partitions = byTopic.get(r.topic) ?? [];
      partitions.push({ partition: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage ?? '' });
      byTopic.set(r.topic, partitions);
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
  });
}

function electionType(type: ElectionType__Output): ElectionType {
  if (type === 'ELECTION_TYPE_PREFERRED') return 'preferred';
  if (type === 'ELECTION_TYPE_UNCLEAN') return 'unclean';
  throw new QuillError('INVALID_REQUEST', `Election type ${type} is not one of PREFERRED, UNCLEAN.`);
}
