#!/usr/bin/env node
'use strict';
// Focused A/B timing of json.get and json.validate between two builds of the package (for
// example the main checkout and a branch's worktree), interleaved sample by sample in one
// process, against the same baseline as benchmarks/json: JSON.parse(buf.toString()) plus the
// property access. Prints medians and ratios per file.
//   node benchmarks/json/get-ab.js <rootA> <rootB> [file.json,...] [--reps 15]
const path = require('node:path');
const corpus = require('./corpus');
const { pickPath, access } = require('./pointer');

const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 15;
const [rootA, rootB, files] = args;
if (!rootA || !rootB) {
  console.error('usage: get-ab.js <rootA> <rootB> [file.json,...] [--reps N]');
  process.exit(2);
}
const A = require(path.resolve(rootA)).json;
const B = require(path.resolve(rootB)).json;
const docs = corpus.load(files ? files.split(',') : undefined).filter((d) => d.bytes >= 100 * 1024);

/** Microseconds per call: the loop runs for about `ms` milliseconds. */
function sample(fn, ms) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t = t0;
  const end = t0 + BigInt(ms * 1e6);
  while (t < end) {
    fn();
    n++;
    t = process.hrtime.bigint();
  }
  return Number(t - t0) / n / 1e3;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const geo = { getA: [], getB: [], valA: [], valB: [] };
console.log(`${process.version}  A=${rootA}  B=${rootB}  ${reps} interleaved samples, medians`);
console.log('file                  builtin us   get A    get B   ratio A  ratio B   val A    val B   ratio A  ratio B');
for (const d of docs) {
  const buf = d.buf;
  const { pointer } = pickPath(JSON.parse(buf.toString()));
  const want = access(JSON.parse(buf.toString()), pointer);
  for (const j of [A, B]) {
    const got = j.get(buf, pointer);
    if (typeof want !== 'object' && !Object.is(got, want)) throw new Error(`get disagrees on ${d.name}`);
    if (!j.validate(buf)) throw new Error(`validate disagrees on ${d.name}`);
  }
  const s = { base: [], getA: [], getB: [], valA: [], valB: [] };
  for (let r = 0; r < reps; r++) {
    s.base.push(sample(() => access(JSON.parse(buf.toString()), pointer), 40));
    s.getA.push(sample(() => A.get(buf, pointer), 20));
    s.getB.push(sample(() => B.get(buf, pointer), 20));
    s.valA.push(sample(() => A.validate(buf), 20));
    s.valB.push(sample(() => B.validate(buf), 20));
  }
  const m = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, median(v)]));
  for (const k of ['getA', 'getB', 'valA', 'valB']) geo[k].push(m.base / m[k]);
  const f = (x, w = 8) => x.toFixed(x < 100 ? 1 : 0).padStart(w);
  console.log(`${d.name.padEnd(20)} ${f(m.base, 11)} ${f(m.getA)} ${f(m.getB)} ${f(m.base / m.getA)} ${f(m.base / m.getB)} ${f(m.valA)} ${f(m.valB)} ${f(m.base / m.valA)} ${f(m.base / m.valB)}`);
}
const g = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
console.log(`geomean ratios: get A ${g(geo.getA).toFixed(2)}  get B ${g(geo.getB).toFixed(2)}  validate A ${g(geo.valA).toFixed(2)}  validate B ${g(geo.valB).toFixed(2)}`);
