#!/usr/bin/env node
'use strict';
// A/B of two builds of the package (their roots) on a few corpus files: alternating child
// processes, each timing the builtin and the native path interleaved (harness.compare), so every
// ratio is against the builtin of the same process and moment. Prints the median ratio per build.
// Usage: node benchmarks/json/ab.js <rootA> <rootB> [file.json,...] [--rounds N]
// (child mode: ab.js --child <root> <files>)
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const root = path.resolve(args[1]);
  const { compare } = require('../lib/harness');
  const corpus = require('./corpus');
  const { json } = require(root);
  const builtin = JSON.parse;
  const out = {};
  for (const doc of corpus.load(args[2].split(','))) {
    const text = doc.text;
    const r = compare({ builtin: () => builtin(text), native: () => json.parse(text) }, { repeats: 7, sampleMs: 50, warmupMs: 150 });
    out[doc.name] = r.builtin / r.native;
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? Number(args[ri + 1]) : 4;
const [a, b] = args;
const files = args.find((x) => x.endsWith('.json')) || 'marine_ik.json';
const got = { A: {}, B: {} };
for (let r = 0; r < rounds; r++) {
  for (const [name, root] of r % 2 ? [['B', b], ['A', a]] : [['A', a], ['B', b]]) {
    const run = spawnSync(process.execPath, [__filename, '--child', root, files], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    const res = JSON.parse(run.stdout.trim().split('\n').pop());
    for (const [f, v] of Object.entries(res)) (got[name][f] ??= []).push(v);
  }
}
const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
for (const f of Object.keys(got.A)) {
  const fa = got.A[f].map((x) => x.toFixed(2)).join(' ');
  const fb = got.B[f].map((x) => x.toFixed(2)).join(' ');
  console.log(`${f.padEnd(22)} A ${med(got.A[f]).toFixed(3)} [${fa}]   B ${med(got.B[f]).toFixed(3)} [${fb}]`);
}
