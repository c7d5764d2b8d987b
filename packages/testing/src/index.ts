export { ControllerQuorum, type ControllerQuorumOptions } from './controller-quorum.js';
export { freePort, freePorts } from './free-port.js';
export { NodeProcess, REPO_ROOT } from './node-process.js';
export { ProcessCluster, type ClusterNode, type ProcessClusterOptions } from './process-cluster.js';
export { startCluster, type ClusterNetwork, type StartClusterOptions, type TestCluster } from './test-cluster.js';
export { LinkProxy, type Direction, type DirectionMode, type LinkProxyOptions } from './proxy/link-proxy.js';
export { ProxyNetwork, type PartitionMode } from './proxy/proxy-network.js';
