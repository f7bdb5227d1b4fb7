#!/usr/bin/env node
'use strict';
// JSON benchmark: the builtin against the json patch's router and the native helpers, with the
// npm package simdjson@0.9.2 as a peer, on the simdjson corpus plus generated API payloads.
//
// Every ratio is "times faster than the builtin doing the same job" (>1 = faster), the median of
// interleaved repeats (harness.compare):
//   patched    JSON.parse(string) with the router installed   vs builtin JSON.parse(string)
//   native     json.parse(string) (always native, for the routing table)   vs JSON.parse(string)
//   buf        json.parse(buf)                                 vs JSON.parse(buf.toString())
//   get        json.get(buf, pointer)  (documents >= 100 KB)   vs JSON.parse(buf.toString()) + access
//   validate   json.validate(buf)                              vs JSON.parse(buf.toString())
//   peer.*     simdjson@0.9.2 parse / lazyParse().valueForKeyPath / isValid on buf.toString(),
//              against the same baselines as buf / get / validate
// Options: --quick (fewer repeats), --only a.json,b.json
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { compare, report, geomean } = require('../lib/harness');
const corpus = require('./corpus');
const { pickPath, access } = require('./pointer');

const ROOT = path.resolve(__dirname, '..', '..');
const builtin = JSON.parse;
const ab = require(ROOT);
const { json } = ab;
const tape = require(path.join(ROOT, 'dist', 'json', 'tape.js'));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : undefined;
const opts = quick ? { repeats: 5, sampleMs: 30, warmupMs: 30 } : { repeats: 13, sampleMs: 40, warmupMs: 60 };

let peerModule = null;
let peerError = '';
try {
  peerModule = require('simdjson');
} catch (err) {
  peerError = err.message.split('\n')[0];
}

const docs = corpus.load(only);
if (!docs.length) {
  console.error('json benchmark: no corpus (npm install the devDependency simdjson@0.9.2)');
  process.exit(1);
}

const status = ab.install({ json: true, timers: false, gc: false, weak: false, log: 'silent' });
const routed = JSON.parse;
if (!status.json.active) console.log(`note: json patch inactive (${status.json.reason}); "patched" measures the builtin`);

// simdjson@0.9.2 exports simdjson's symbols, so on Node versions whose binary exports its own
// simdjson (22+: process.versions.simdjson) some of the peer's calls bind to node's copy, another
// version: full runs segfaulted on Node 22 and 26 (in isValid, at twitterescaped.json), even on
// files a probe child got through. So on those versions the peer runs only with BENCH_PEER=1; each file is tried in a child process first (before this process
// has done any work: later, spawning failed with ENOMEM on Node 22), and a crash leaves the
// peer's columns empty for that file instead of killing the whole benchmark.
const peerCrashes = [];
const peerSkipped = Boolean(peerModule && process.versions.simdjson && process.env.BENCH_PEER !== '1');
function peerSurvives(d, keyPath) {
  const probe = `const p = require('simdjson'); const t = require('fs').readFileSync(0, 'utf8');
    for (let i = 0; i < 20; i++) { p.parse(t); p.isValid(t); ${keyPath ? `p.lazyParse(t).valueForKeyPath(${JSON.stringify(keyPath)});` : ''} }`;
  const run = spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, input: d.buf, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60000 });
  if (run.status === 0) return true;
  peerCrashes.push(`${d.name} (${run.signal || (run.error ? run.error.code || run.error.message : `exit ${run.status}`)})`);
  return false;
}
const targets = new Map(docs.map((d) => [d, d.bytes >= 100 * 1024 ? pickPath(builtin(d.text)) : null]));
const peerFor = new Map(docs.map((d) => [d, peerModule && !peerSkipped && peerSurvives(d, targets.get(d) && targets.get(d).keyPath) ? peerModule : null]));


const rows = [];
let sink = 0;
for (const d of docs) {
  const { text, buf } = d;
  const mb = d.bytes / 1e6;
  const target = targets.get(d);
  const peer = peerFor.get(d);
  const before = { ...ab.status().json.counts };
  const strings = compare(
    {
      builtin: () => builtin(text),
      patched: () => routed(text),
      native: () => json.parse(text),
    },
    opts,
  );
  // Where the patched JSON.parse sent this document over all its timed calls (the learner may
  // explore the other path now and then): the share of native calls.
  const after = ab.status().json.counts;
  const routedCalls = after.native + after.builtin + after.fallbacks - before.native - before.builtin - before.fallbacks;
  const nativeShare = (after.native - before.native) / Math.max(1, routedCalls);
  const route = after.fallbacks > before.fallbacks ? 'fallback' : nativeShare > 0.9 ? 'native' : nativeShare < 0.1 ? 'builtin' : `${Math.round(nativeShare * 100)}% nat`;
  const bytes = compare(
    {
      toString: () => builtin(buf.toString()),
      buf: () => json.parse(buf),
      validate: () => (sink += json.validate(buf) ? 1 : 0),
      ...(peer && {
        peerParse: () => peer.parse(buf.toString()),
        peerValid: () => (sink += peer.isValid(buf.toString()) ? 1 : 0),
      }),
    },
    opts,
  );
  const row = {
    row: d.name,
    KB: Math.round(d.bytes / 1024),
    'builtin MB/s': mb / (strings.builtin / 1000),
    // How V8 stores the string: one-byte (Latin-1) or two-byte; decides how the native side copies it.
    repr: tape.isOneByte(text) ? '1-byte' : '2-byte',
    route,
    patched: strings.builtin / strings.patched,
    native: strings.builtin / strings.native,
    buf: bytes.toString / bytes.buf,
    get: '',
    validate: bytes.toString / bytes.validate,
    'peer.parse': peer ? bytes.toString / bytes.peerParse : '',
    'peer.get': '',
    'peer.valid': peer ? bytes.toString / bytes.peerValid : '',
  };
  if (target) {
    const { pointer, keyPath } = target;
    const want = access(builtin(text), pointer);
    if (!Object.is(json.get(buf, pointer), want) && typeof want !== 'object') throw new Error(`json.get disagrees on ${d.name} ${pointer}`);
    const gets = compare(
      {
        access: () => access(builtin(buf.toString()), pointer),
        get: () => json.get(buf, pointer),
        ...(peer && keyPath && { peerGet: () => peer.lazyParse(buf.toString()).valueForKeyPath(keyPath) }),
      },
      opts,
    );
    row.get = gets.access / gets.get;
    if (gets.peerGet) row['peer.get'] = gets.access / gets.peerGet;
  }
  rows.push(row);
  console.error(`  ${d.name} done`);
}

// Documents whose keys never repeat (maps keyed by ids, fresh every call): the native path learns
// keys and key sets, so these are its worst case; the router and json.parse notice the churn and
// keep such sizes on the builtin (src/json/churn.ts). Each variant gets its own documents (a key
// V8 has already seen is cheaper for whoever parses it next), enough that none is parsed twice.
let seq = 0;
function idMap(n) {
  const o = {};
  for (let i = 0; i < n; i++) o[`user_${(seq++).toString(36).padStart(7, '0')}`] = i % 3 ? i * 7 : { n: i, ok: true };
  return JSON.stringify(o);
}
const churnRows = [];
const churnOpts = { repeats: quick ? 5 : 7, sampleMs: 20, warmupMs: 20 };
for (const [label, n, count] of [['ids-3KB (fresh keys)', 100, 4000], ['ids-30KB (fresh keys)', 1000, 500]]) {
  if (only && !only.includes(label.split(' ')[0])) continue;
  // Generated round-robin, so no variant's documents are older than another's (V8 parsed the older
  // ones measurably faster here, whichever parser ran).
  const pools = [[], [], [], []];
  for (let i = 0; i < count; i++) for (const pool of pools) pool.push(idMap(n));
  const bufs2 = pools[2].map((t) => Buffer.from(t));
  const bufs = pools[3].map((t) => Buffer.from(t));
  const used = [0, 0, 0, 0];
  const before = { ...ab.status().json.counts };
  const next = (k) => used[k]++ % count;
  const r = compare(
    {
      builtin: () => builtin(pools[0][next(0)]),
      patched: () => routed(pools[1][next(1)]),
      toString: () => builtin(bufs2[next(2)].toString()),
      buf: () => json.parse(bufs[next(3)]),
    },
    churnOpts,
  );
  const reused = used.some((u) => u > count) ? ' (pool reused: figures favour the builtin)' : '';
  const counts = ab.status().json.counts;
  const share = (counts.native - before.native) / Math.max(1, counts.native + counts.builtin - before.native - before.builtin);
  churnRows.push({ row: label, KB: Math.round(pools[0][0].length / 1024), 'builtin MB/s': pools[0][0].length / 1e6 / (r.builtin / 1000), repr: '1-byte', route: `${(share * 100).toFixed(1)}% nat`, patched: r.builtin / r.patched, native: '', buf: r.toString / r.buf, get: '', validate: '', 'peer.parse': '', 'peer.get': '', 'peer.valid': '' });
  console.error(`  ${label} done, ${used.join('/')} calls${reused}`);
}

const files = rows.filter((r) => !docs.find((d) => d.name === r.row).generated);
const mean = { row: 'geomean (corpus files)', KB: '', 'builtin MB/s': '', repr: '', route: '' };
for (const key of ['patched', 'native', 'buf', 'get', 'validate', 'peer.parse', 'peer.get', 'peer.valid']) {
  const values = files.map((r) => r[key]).filter((v) => typeof v === 'number');
  mean[key] = values.length ? geomean(values) : '';
}
const minimum = { row: 'minimum (every row)', KB: '', 'builtin MB/s': '', repr: '', route: '' };
for (const key of ['patched', 'native', 'buf', 'get', 'validate', 'peer.parse', 'peer.get', 'peer.valid']) {
  const values = rows.map((r) => r[key]).filter((v) => typeof v === 'number');
  minimum[key] = values.length ? Math.min(...values) : '';
}
rows.push(mean, minimum, ...churnRows);

const notes = [
  `ratios: times faster than the builtin doing the same job (>1 faster); medians of ${opts.repeats} interleaved samples.`,
  `router table for V8 ${process.versions.v8.split('.')[0]}: ${JSON.stringify(status.json.thresholds)}; route = where the patched JSON.parse sent this document during its timed calls; repr = how V8 stores the string.`,
  peerModule ? 'peer: simdjson@0.9.2 from buf.toString() (it takes strings only).' : `peer simdjson@0.9.2 unavailable: ${peerError}`,
  ...(peerSkipped ? [`peer simdjson@0.9.2 left out on Node ${process.versions.node} (BENCH_PEER=1 to include it): its simdjson symbols bind to node's own copy (${process.versions.simdjson}), and full runs segfaulted on Node 22 and 26`] : []),
  ...(churnRows.length ? ['ids-* rows (after the minimum, not in it): maps keyed by ids, new keys on every call; route = share of the patched calls that ran natively. V8 itself parses such documents erratically here (8-60 MB/s, older documents faster), so their ratios swing between runs; the native share is the stable figure.'] : []),
  ...(peerCrashes.length ? [`peer crashed in a probe child (its simdjson symbols bind to node's own copy), columns left empty: ${peerCrashes.join(', ')}`] : []),
];
report('json: JSON.parse router and native helpers vs the builtin', rows, { keys: ['builtin MB/s', 'patched', 'buf', 'get', 'validate', 'peer.parse'], notes });
ab.uninstall();
if (sink < 0) console.log(sink);
