// Public helpers of the memory part (exported as require('afterburner').memory).
export {};
