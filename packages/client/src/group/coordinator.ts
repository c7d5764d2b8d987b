import { ErrorCode, QuillError, errorInfo, errorMessage, type Error__Output } from '@quill/proto';
import type { ClientContext } from '../context.js';
import type { BrokerRequest, BrokerResponse, BrokerUnaryMethod } from '../network/index.js';

/** The group RPCs, which go to the group's coordinator. */
export type GroupMethod = Extract<
  BrokerUnaryMethod,
  'JoinGroup' | 'SyncGroup' | 'Heartbeat' | 'LeaveGroup' | 'OffsetCommit' | 'OffsetFetch' | 'DescribeGroups' | 'DeleteGroups'
>;

/** Codes that mean "ask FindCoordinator again": the coordinator moved or is away. */
const COORDINATOR_MOVED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

/** The request-level error code of a group response (NONE when it succeeded). */
export function responseErrorCode(response: { error?: Error__Output | null }): ErrorCode {
  return response.error ? errorInfo(response.error.code).name : ErrorCode.NONE;
}

/**
 * Finds a group's coordinator (FindCoordinator to any broker) and sends it group calls. It
 * forgets the coordinator when the coordinator says it is not (or no longer) the one, or the
 * call fails in transport, so the next call looks it up again. Retrying is the caller's
 * choice: a consumer keeps trying while it runs, an admin call gives up after its retries.
 */
export class GroupCoordinator {
  private nodeId: number | undefined;

  constructor(
    private readonly context: ClientContext,
    readonly groupId: string,
  ) {}

  /** The coordinator's node id, looking it up when not known. Throws a retriable QuillError while there is none. */
  async find(signal?: AbortSignal): Promise<number> {
    if (this.nodeId !== undefined) return this.nodeId;
    const { cluster } = this.context;
    const response = await cluster
      .anyConnection()
      .request('FindCoordinator', { keyType: 'COORDINATOR_TYPE_GROUP', keys: [this.groupId] }, signal ? { signal } : {});
    const answer = response.coordinators.find((c) => c.key === this.groupId);
    if (!answer) throw new QuillError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no coordinator answer for group "${this.groupId}"`);
    const code = errorInfo(answer.errorCode).name;
    if (code !== ErrorCode.NONE) {
      throw new QuillError(code, `finding the coordinator of group "${this.groupId}": ${answer.errorMessage || code}`);
    }
    if (!cluster.snapshot().brokers.has(answer.nodeId)) {
      // A broker this client has not seen yet (it just joined): learn its address first.
      cluster.markStale('coordinator not in metadata');
      await cluster.refreshMetadata();
    }
    this.nodeId = answer.nodeId;
    this.context.logger.debug({ groupId: this.groupId, coordinator: answer.nodeId }, 'found the group coordinator');
    return answer.nodeId;
  }

  /** Forgets the coordinator, so the next call asks FindCoordinator again. */
  forget(reason: string): void {
    if (this.nodeId === undefined) return;
    this.context.logger.info({ groupId: this.groupId, coordinator: this.nodeId, reason }, 'looking the group coordinator up again');
    this.nodeId = undefined;
  }

  /**
   * Sends a group call to the coordinator and resolves with the raw response, whose `error`
   * the caller reads (JoinGroup's MEMBER_ID_REQUIRED carries data). Transport failures and
   * NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE make it forget the coordinator (not an aborted call); both reject
   * and resolve as they came.
   */
  async call<M extends GroupMethod>(
    method: M,
    request: BrokerRequest<M>,
    options: { signal?: AbortSignal | undefined; timeoutMs?: number } = {},
  ): Promise<BrokerResponse<M>> {
    const nodeId = await this.find(options.signal);
    let response: BrokerResponse<M>;
    try {
      response = await this.context.cluster.connectionTo(nodeId).unary(method, request, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
    } catch (error) {
      // A call its caller aborted says nothing about the coordinator.
      if (options.signal?.aborted !== true) this.forget(`${method} failed: ${errorMessage(error)}`);
      throw error;
    }
    const code = responseErrorCode(response as { error?: Error__Output | null });
    if (COORDINATOR_MOVED.has(code)) this.forget(`${method}: ${code}`);
    return response;
  }
}
