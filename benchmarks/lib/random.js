'use strict';
// The one seeded PRNG of the repository: the benchmarks' generated payloads, the demo's request
// bodies and the tests' random documents all draw from it, so a seed names one exact input.

/** mulberry32: small and fast; numbers in [0, 1), the same sequence for a seed on every run. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { mulberry32 };
