'use strict';
// Child process for the hostile-input memory test (test/16): posts one workload through the
// patched JSON.parse (route from AFTERBURNER_JSON_ROUTE) and prints RSS after full GCs at four
// checkpoints, plus the json status. Run with --expose-gc.
//   long-keys: documents {"<unique 1 MB key>": i}
//   id-maps:   maps keyed by ids whose keys never repeat (500 and 60 entries)
//   shapes:    documents of objects whose key sets are all different (thousands of shapes)
const { ROOT } = require('../helpers');
const { idMaps } = require('../../benchmarks/json/traffic');
const { mulberry32: rng } = require('../../benchmarks/lib/random');

const ab = require(ROOT);
ab.install({ json: true, timers: false, gc: false, weak: false, log: 'silent' });

function rss() {
  global.gc();
  global.gc();
  return process.memoryUsage().rss;
}

const mode = process.argv[2];
const count = Number(process.argv[3] || 300);
let make;
if (mode === 'long-keys') {
  let n = 0;
  make = () => {
    const key = `k${(n++).toString(36).padStart(8, '0')}`.padEnd(1 << 20, 'x');
    return `{"${key}":${n}}`;
  };
} else if (mode === 'id-maps') {
  const big = idMaps(500, 3);
  const small = idMaps(60, 4);
  let n = 0;
  make = () => (n++ % 2 ? big() : small());
} else if (mode === 'shapes') {
  const rand = rng(11);
  let n = 0;
  make = () => {
    const items = [];
    for (let i = 0; i < 400; i++) {
      const o = {};
      const keys = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < keys; k++) o[`f${Math.floor(rand() * 5000)}_${n % 97}`] = k;
      items.push(o, o); // every shape twice in its document
    }
    n++;
    return JSON.stringify(items);
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}

const samples = [rss()];
let sink = 0;
for (let i = 1; i <= count; i++) {
  const text = make();
  sink += Object.keys(JSON.parse(text)).length;
  if (i % (count / 4) === 0) samples.push(rss());
}
const s = ab.status().json;
console.log(JSON.stringify({ samples, memory: s.memory ?? null, counts: s.counts, sink }));
