#!/usr/bin/env node
'use strict';
// Hostile documents: what one pathological body costs natively on its first parse, against the
// builtin. Each row parses fresh documents (never seen before by either parser), alternating
// builtin and native, and reports the median ratio builtin time / native time (>= 1: native no
// slower). "native" is the native path forced (what the router would pay if it sent the document
// there), including its fallback to the builtin when it declines.
// Usage: node benchmarks/json/hostile.js [--quick]
const path = require('node:path');
const { median, report } = require('../lib/harness');

const ROOT = path.resolve(__dirname, '..', '..');
const ab = require(ROOT);
const tape = require(path.join(ROOT, 'dist', 'json', 'tape.js'));
const builtin = JSON.parse;

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 11;

function nativeOrBuiltin(text) {
  const v = tape.nativeParse(text);
  return v === tape.FALLBACK ? builtin(text) : v;
}

let seq = 0;
const uid = () => (seq++).toString(36).padStart(7, '0');
const KINDS = {
  'one object, 5,000 new keys': () => `{${Array.from({ length: 5000 }, (_, i) => `"k${uid()}":${i}`).join(',')}}`,
  '100 objects of 50 new keys': () => `[${Array.from({ length: 100 }, () => `{${Array.from({ length: 50 }, (_, i) => `"k${uid()}":${i}`).join(',')}}`).join(',')}]`,
  '2,000 distinct shapes, each twice': () => {
    const items = [];
    for (let i = 0; i < 2000; i++) {
      const o = `{"a${uid()}":1,"b${uid()}":2}`;
      items.push(o, o);
    }
    return `[${items.join(',')}]`;
  },
  'one 1 MB key': () => `{"${uid().padEnd(1 << 20, 'x')}":1}`,
  'a 4 MB string': () => `["${uid().padEnd(4 << 20, 'y')}"]`,
  'nesting 900 deep': () => `${'{"a":['.repeat(900)}${uid().length}${']}'.repeat(900)}`,
  'nesting 20,000 deep (declined)': () => `${'['.repeat(20000)}${uid().length}${']'.repeat(20000)}`,
  'maps keyed by ids, 500 entries': () => `{${Array.from({ length: 500 }, (_, i) => `"u${uid()}":{"n":${i},"ok":true,"name":"user${i}"}`).join(',')}}`,
};

ab.install({ json: true, timers: false, gc: false, weak: false, log: 'silent' });
const rows = [];
for (const [name, make] of Object.entries(KINDS)) {
  const ratios = [];
  const times = { builtin: [], native: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const a = make();
    const b = make();
    let t0 = performance.now();
    builtin(a);
    const tb = performance.now() - t0;
    t0 = performance.now();
    nativeOrBuiltin(b);
    const tn = performance.now() - t0;
    times.builtin.push(tb);
    times.native.push(tn);
    ratios.push(tb / tn);
  }
  const sample = make();
  rows.push({ row: name, KB: Math.round(sample.length / 1024), 'builtin ms': median(times.builtin), 'native ms': median(times.native), 'native vs builtin': median(ratios) });
  console.error(`  ${name} done`);
}
const native = ab.status().native;
report('json, hostile documents: first parse natively vs the builtin', rows, {
  keys: ['native vs builtin'],
  notes: [
    `medians of ${ROUNDS} fresh documents per row; >= 1: native no slower. SIMD: ${native.loaded ? `${native.implementation}/${native.jsonIndex}` : native.error}.`,
    `json memory after the run: ${JSON.stringify(ab.status().json.memory ?? null)}`,
  ],
});
ab.uninstall();
