import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../group-coordinator/group-coordinator.js';
import { deleteGroupsHandler } from './group/delete-groups.js';
import { describeGroupsHandler } from './group/describe-groups.js';
import { findCoordinatorHandler } from './group/find-coordinator.js';
import { heartbeatHandler } from './group/heartbeat.js';
import { joinGroupHandler } from './group/join-group.js';
import { leaveGroupHandler } from './group/leave-group.js';
import { listGroupsHandler } from './group/list-groups.js';
import { offsetCommitHandler } from './group/offset-commit.js';
import { offsetFetchHandler } from './group/offset-fetch.js';
import { syncGroupHandler } from './group/sync-group.js';

type GroupMethods =
  | 'FindCoordinator'
  | 'JoinGroup'
  | 'SyncGroup'
  | 'Heartbeat'
  | 'LeaveGroup'
  | 'OffsetCommit'
  | 'OffsetFetch'
  | 'ListGroups'
  | 'DescribeGroups'
  | 'DeleteGroups';

/**
 * The consumer group RPCs of the Broker service, served by this broker's group coordinator.
 * Every failure is an error code in the response, never a transport error.
 */
export function groupHandlers(coordinator: GroupCoordinator): Pick<BrokerHandlers, GroupMethods> {
  return {
    FindCoordinator: findCoordinatorHandler(coordinator),
    JoinGroup: joinGroupHandler(coordinator),
    SyncGroup: syncGroupHandler(coordinator),
    Heartbeat: heartbeatHandler(coordinator),
    LeaveGroup: leaveGroupHandler(coordinator),
    OffsetCommit: offsetCommitHandler(coordinator),
    OffsetFetch: offsetFetchHandler(coordinator),
    ListGroups: listGroupsHandler(coordinator),
    DescribeGroups: describeGroupsHandler(coordinator),
    DeleteGroups: deleteGroupsHandler(coordinator),
  };
}
