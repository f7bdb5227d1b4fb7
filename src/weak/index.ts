// Public helpers of the weak part (exported as require('afterburner').weak).
export {};
