// Public helpers of the timers part (exported as require('afterburner').timers).
export { waitFor, Condition, Event, sleep } from './helpers';
export type { WaitOptions, WaitForOptions, WaitSource, SleepOptions } from './helpers';
export { report, reportEnabled } from './report';
export type { ReportEntry } from './report';
export { alignedExpiry } from './hooks';
