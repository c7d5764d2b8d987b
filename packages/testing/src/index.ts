export { ControllerQuorum, type ControllerQuorumOptions } from './controller-quorum.js';
export { freePort } from './free-port.js';
export { NodeProcess, REPO_ROOT } from './node-process.js';
