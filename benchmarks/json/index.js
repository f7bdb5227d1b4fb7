#!/usr/bin/env node
'use strict';
// JSON benchmark: the builtin against the json patch's router and the native helpers.
//
// First table, the headline: real traffic, every call a different document (realistic.js:
// same-schema variants of every corpus file in ASCII, Latin-1 and CJK text, maps keyed by ids
// whose keys never repeat, a service mix of payload sizes).
// Second table: the same document parsed again and again, with the npm package simdjson@0.9.2 as a
// peer, on the simdjson corpus plus generated API payloads.
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
// Options: --quick (fewer repeats), --only a.json,b.json,ids-500,service-mix,
// --traffic-only / --same-only (one of the two tables).
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

const trafficOnly = args.includes('--traffic-only');
const sameOnly = args.includes('--same-only');
const docs = trafficOnly ? [] : corpus.load(only);
if (!docs.length && !trafficOnly) {
  console.error('json benchmark: no corpus (npm install the devDependency simdjson@0.9.2)');
  process.exit(1);
}

const status = ab.install({ json: true, timers: false, gc: false, weak: false, log: 'silent' });
const routed = JSON.parse;
if (!status.json.active) console.log(`note: json patch inactive (${status.json.reason}); "patched" measures the builtin`);
const native = ab.status().native;
const simd = native.loaded ? `simdjson ${native.implementation}, get/validate stage 1 ${native.jsonIndex}${process.env.AFTERBURNER_JSON_WIDE ? ` (AFTERBURNER_JSON_WIDE=${process.env.AFTERBURNER_JSON_WIDE})` : ''}` : `native addon not loaded: ${native.error}`;

if (!sameOnly) {
  const { realisticRows } = require('./realistic');
  const trafficRows = realisticRows(ab, { routed, builtin, only, quick });
  report('json, real traffic: every call a different document', trafficRows, {
    keys: ['patched', 'buf', 'route'],
    notes: [
      `ratios: times faster than the builtin doing the same job (>1 faster), medians of interleaved samples; each variant parses its own documents. SIMD: ${simd}.`,
      'patched = JSON.parse with the router vs the builtin; buf = json.parse(Buffer) vs JSON.parse(buf.toString()); route = share of patched calls that ran natively after the guard\'s warm-up.',
    ],
  });
}
if (trafficOnly) {
  ab.uninstall();
  process.exit(0);
}

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
  // Where the patched JSON.parse sent this document over all its timed calls (the route guard may
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
rows.push(mean, minimum);

const notes = [
  `SIMD: ${simd}.`,
  `ratios: times faster than the builtin doing the same job (>1 faster); medians of ${opts.repeats} interleaved samples.`,
  `router table for V8 ${process.versions.v8.split('.')[0]}: ${JSON.stringify(status.json.thresholds)}; route = where the patched JSON.parse sent this document during its timed calls; repr = how V8 stores the string.`,
  peerModule ? 'peer: simdjson@0.9.2 from buf.toString() (it takes strings only).' : `peer simdjson@0.9.2 unavailable: ${peerError}`,
  ...(peerSkipped ? [`peer simdjson@0.9.2 left out on Node ${process.versions.node} (BENCH_PEER=1 to include it): its simdjson symbols bind to node's own copy (${process.versions.simdjson}), and full runs segfaulted on Node 22 and 26`] : []),
  ...(peerCrashes.length ? [`peer crashed in a probe child (its simdjson symbols bind to node's own copy), columns left empty: ${peerCrashes.join(', ')}`] : []),
];
report('json, same document again and again: JSON.parse router and native helpers vs the builtin', rows, { keys: ['builtin MB/s', 'patched', 'buf', 'get', 'validate', 'peer.parse'], notes });
ab.uninstall();
if (sink < 0) console.log(sink);
