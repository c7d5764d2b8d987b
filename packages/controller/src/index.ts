// @quill/controller: the controller node — a Raft voter of the metadata quorum that, while
// active, decides on requests and serves the Controller service. The metadata itself (records,
// state, reducer, the client and follower) lives in @quill/metadata; the decisions stay inside.

export { CONTROLLER_SECURITY_PROTOCOLS, DEFAULT_CONTROLLER_CONFIG, resolveControllerConfig, type ControllerSecurityProtocol, type ControllerConfig, type ControllerConfigInput, type HostPort } from './config.js';
export { ControllerNode } from './node/controller-node.js';
export { LevelRaftStorage } from './raft-storage/level-raft-storage.js';
