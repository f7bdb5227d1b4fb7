// Public helpers of the gc part (exported as require('afterburner').gc).
export {};
