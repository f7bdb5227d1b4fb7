/**
 * The platform's timer functions as they were when afterburner was first loaded, before any patch
 * (ours or coalescing) replaced them. Internal waits (timeouts of helpers, fallback polling,
 * the safety-net sweep) use these so they are neither coalesced nor counted as the user's polling.
 */
import * as timers from 'node:timers';

export const originalTimers = {
  setTimeout: timers.setTimeout,
  clearTimeout: timers.clearTimeout,
  setInterval: timers.setInterval,
  clearInterval: timers.clearInterval,
};
