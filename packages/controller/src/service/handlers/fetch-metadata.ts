import { QuillError, type ControllerHandlers } from '@quill/proto';
import { leaderHint, type ControllerServiceContext } from '../context.js';

/**
 * FetchMetadata: streams the committed metadata log from an offset (a snapshot first when it was
 * compacted away). A refusal is one message with the error, then the end of the stream.
 */
export function fetchMetadataHandler(ctx: ControllerServiceContext): ControllerHandlers['FetchMetadata'] {
  return (call) => {
    const request = call.request;
    const fail = (error: QuillError): void => {
      call.write({ error: { code: error.code, message: error.message }, leaderHint: leaderHint(ctx) });
      call.end();
    };
    if (request.clusterId !== ctx.clusterId) {
      fail(new QuillError('INCONSISTENT_CLUSTER_ID', `Cluster '${request.clusterId}' is not '${ctx.clusterId}'.`));
      return;
    }
    ctx.log.follow(call, request.brokerId, request.fromOffset, fail);
  };
}
