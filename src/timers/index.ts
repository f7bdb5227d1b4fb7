// Public helpers of the timers part (exported as require('afterburner').timers).
export { waitFor, Condition, Event, sleep } from './helpers';
export type { WaitOptions, WaitForOptions, WaitSource, SleepOptions } from './helpers';
