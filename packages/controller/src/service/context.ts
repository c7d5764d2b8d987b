import type { LeaderHint } from '@quill/proto';
import type { Logger } from 'pino';
import type { TopicCreationPolicy } from '../decisions/create-topics.js';
import type { ActiveController } from '../node/active-controller.js';
import type { MetadataLogReader } from '../node/metadata-log-reader.js';
import type { MetadataStateMachine } from '../node/metadata-state-machine.js';
import type { RaftDriver } from '../node/raft-driver.js';

/** What the Controller service's handlers work with: this node's Raft driver, its metadata and the active controller. */
export interface ControllerServiceContext {
  clusterId: string;
  nodeId: number;
  voters: ReadonlyMap<number, { host: string; port: number }>;
  driver: RaftDriver;
  metadata: MetadataStateMachine;
  active: ActiveController;
  log: MetadataLogReader;
  topicPolicy: TopicCreationPolicy;
  logger: Logger;
  /** Time of the last message from each voter, for DescribeQuorum. */
  lastContactMs: ReadonlyMap<number, number>;
}

/** Where this node believes the active controller is, for answers that send the caller elsewhere. */
export function leaderHint(ctx: ControllerServiceContext): LeaderHint {
  const leaderId = ctx.driver.leaderId;
  const address = ctx.voters.get(leaderId);
  return { leaderId: leaderId > 0 ? leaderId : -1, host: address?.host ?? '', port: address?.port ?? 0, term: ctx.driver.status().term };
}
