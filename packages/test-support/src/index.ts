/**
 * @quill/test-support — what tests and test clusters share, with no dependency on the rest of
 * Quill so that every package's tests can use it: one way to wait on a condition, one way to pick
 * ports to listen on.
 */
export { EVENTUALLY_DEFAULTS, eventually, type EventuallyOptions, type Probe } from './eventually.js';
export { freePort, freePorts } from './free-port.js';
