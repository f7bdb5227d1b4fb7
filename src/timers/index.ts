// Public helpers of the timers part (exported as require('afterburner').timers).
export {};
