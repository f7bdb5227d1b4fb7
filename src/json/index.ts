// Public helpers of the json part (exported as require('afterburner').json).
export {};
