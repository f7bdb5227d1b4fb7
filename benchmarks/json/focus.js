#!/usr/bin/env node
'use strict';
// Focused A/B timing of the native JSON.parse path on a few corpus files, for materialiser work:
// builtin JSON.parse(string) vs the native path (json.parse(string)), plus the native call alone
// (jsonTape: load, simdjson, tape writing, string creation) so the JavaScript build's share shows.
// Usage: node benchmarks/json/focus.js [file.json,...] [--repeats N]
const path = require('node:path');
const { compare } = require('../lib/harness');
const corpus = require('./corpus');

const ROOT = path.resolve(__dirname, '..', '..');
const { json } = require(ROOT);
const tape = require(path.join(ROOT, 'dist', 'json', 'tape.js'));
const args = process.argv.slice(2);
const ri = args.indexOf('--repeats');
const repeats = ri >= 0 ? Number(args[ri + 1]) : 11;
const files = (args.find((a) => a.endsWith('.json')) || 'marine_ik.json').split(',');
const native = tape.jsonNative();
const builtin = JSON.parse;
for (const doc of corpus.load(files)) {
  const text = doc.text;
  const r = compare(
    {
      builtin: () => builtin(text),
      native: () => json.parse(text),
      tapeOnly: () => native.jsonTape(text),
    },
    { repeats, sampleMs: 60, warmupMs: 100 },
  );
  console.log(`${doc.name.padEnd(22)} builtin ${r.builtin.toFixed(3)} ms  native ${r.native.toFixed(3)} ms (${(r.builtin / r.native).toFixed(2)}x)  native call ${r.tapeOnly.toFixed(3)} ms, JS build ~${(r.native - r.tapeOnly).toFixed(3)} ms`);
}
