export { ControllerQuorum, type ControllerQuorumOptions } from './controller-quorum.js';
export { freePort } from './free-port.js';
export { NodeProcess, REPO_ROOT } from './node-process.js';
export { ProcessCluster, type ClusterNode, type ProcessClusterOptions } from './process-cluster.js';
