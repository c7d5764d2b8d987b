export { systemClock, type Clock, type Timer } from './clock.js';
export { ManualClock } from './manual-clock.js';
