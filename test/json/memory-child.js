'use strict';
// Child process for test/16-json-memory.test.js (run with --expose-gc). Prints one JSON line.
//   leak: 100,000 native-route calls on a ~20 KB document; memory after warm-up vs at the end
//   big:  the ~190 MB sf_citylots document through json.parse(Buffer) and the patched JSON.parse
const { ROOT } = require('../helpers');
const { citylots, apiDocument } = require('./corpus');
const { diffValues } = require('./compare');

const builtinParse = JSON.parse;
const ab = require(ROOT);
// Every string forced to the native path, so the loop measures native code on each call.
ab.install({ json: { route: 'native' }, timers: false, gc: false, weak: false, log: 'silent' });
const json = ab.json;

function settle() {
  // Two full collections: the second frees what the first's finalizers released.
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  // rss - heapTotal is memory outside V8's heap: where a native leak accumulates. The V8 heap's
  // own growth steps (whole pages, tens of MB) would hide a small leak in plain RSS.
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, nonHeap: m.rss - m.heapTotal };
}

function leak() {
  const text = apiDocument(20 * 1024);
  const buf = Buffer.from(text);
  // The failing and too-deep inputs are strings on purpose: from a Buffer, the fallback decodes a
  // fresh string per call, and Node 24's own JSON.parse then holds ~100 MB outside the heap after
  // 20,000 SyntaxErrors on fresh 20 KB strings (measured without afterburner loaded; a plateau,
  // not a leak, and absent on Node 20). That would drown the signal this test looks for.
  const invalid = `${text.slice(0, -40)},]`;
  const deep = '['.repeat(3000) + ']'.repeat(3000); // beyond simdjson's depth: the fallback path
  const firstId = builtinParse(text).items[0].id;
  let sink = 0;
  // Each iteration is one parse-like call of a different kind, so every native entry point and
  // the fallback paths are in the loop. Allocation-free checks keep the loop itself from leaking.
  const step = (i) => {
    switch (i % 10) {
      case 0: case 1: case 2: sink += json.parse(buf).items.length; break;
      case 3: case 4: sink += JSON.parse(text).items.length; break; // the patched JSON.parse, native route
      case 5: sink += json.parse(text).items.length; break;
      case 6: sink += json.get(buf, '/items/0/id') === firstId ? 1 : 0; break;
      case 7: sink += json.validate(buf) ? 1 : 0; break;
      case 8:
        try {
          json.parse(invalid);
        } catch {
          sink++;
        }
        break;
      default: sink += i % 100 === 9 ? json.parse(deep).length : json.validate(invalid) ? 0 : 1;
    }
  };
  const WARMUP = 10_000;
  const TOTAL = 100_000;
  for (let i = 0; i < WARMUP; i++) step(i);
  const before = settle();
  const samples = [];
  for (let i = WARMUP; i < TOTAL; i++) {
    step(i);
    if ((i + 1) % 30_000 === 0 || i === TOTAL - 1) samples.push(settle().nonHeap);
  }
  const after = settle();

  // Key and shape tables: documents with ever-new keys must not grow the JS heap without bound.
  const keyed = (n) => `{${Array.from({ length: 40 }, (_, k) => `"k${n}_${k}":${k}`).join(',')}}`;
  for (let i = 0; i < 3_000; i++) sink += Object.keys(json.parse(Buffer.from(keyed(i)))).length;
  const keysBefore = settle();
  for (let i = 3_000; i < 15_000; i++) sink += Object.keys(json.parse(Buffer.from(keyed(i)))).length;
  const keysAfter = settle();

  return {
    bytes: buf.length,
    calls: TOTAL,
    measured: TOTAL - WARMUP,
    before,
    after,
    samples,
    keys: { docs: 12_000, keys: 480_000, before: keysBefore, after: keysAfter },
    sink,
    status: ab.status().json,
  };
}

/** Order-sensitive digest of a parsed value (keys, types, numbers incl. -0): cheap deep equality. */
function digest(value) {
  let h1 = 0x811c9dc5;
  let h2 = 0;
  let count = 0;
  const mixStr = (s) => {
    for (let i = 0; i < s.length; i++) h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619);
    h1 = Math.imul(h1 ^ 0xff, 16777619);
  };
  const stack = [value];
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  while (stack.length) {
    const v = stack.pop();
    count++;
    if (v === null) mixStr('n');
    else if (typeof v === 'number') {
      f64[0] = v;
      h1 = Math.imul(h1 ^ u32[0], 16777619);
      h2 = (Math.imul(h2, 31) + u32[1]) | 0;
    } else if (typeof v === 'string') mixStr(v);
    else if (typeof v === 'boolean') mixStr(v ? 't' : 'f');
    else if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype) mixStr('!proto');
      mixStr(`[${v.length}`);
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else {
      if (Object.getPrototypeOf(v) !== Object.prototype) mixStr('!proto');
      const keys = Object.keys(v);
      mixStr(`{${keys.length}`);
      for (const k of keys) mixStr(k);
      for (let i = keys.length - 1; i >= 0; i--) stack.push(v[keys[i]]);
    }
  }
  return `${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}:${count}`;
}

/** Features the test compares in full with diffValues: the first, the last and a spread. */
function sample(doc) {
  const f = doc.features;
  const out = [doc.type];
  for (let i = 0; i < f.length; i += 997) out.push(f[i]);
  out.push(f[f.length - 1]);
  return out;
}

function big() {
  const buf = citylots();
  if (!buf) return { skipped: 'sf_citylots.json.gz not found (npm install puts simdjson@0.9.2 in node_modules)' };
  const text = buf.toString();
  const result = { bytes: buf.length, runs: {} };
  const time = (f) => {
    const t = process.hrtime.bigint();
    const v = f();
    return [v, Number(process.hrtime.bigint() - t) / 1e6];
  };
  // One document alive at a time: three 190 MB parses at once would need several GB of heap.
  let [ref, ms] = time(() => builtinParse(text));
  result.runs.builtin = { ms, digest: digest(ref), features: ref.features.length };
  const refSample = sample(ref);
  result.getRef = { value: ref.features[1000].properties.BLKLOT, length: ref.features[206559] && ref.features[206559].type };
  ref = null;
  for (const [name, run] of [
    ['json.parse(Buffer)', () => json.parse(buf)],
    ['JSON.parse (patched, native route)', () => JSON.parse(text)],
  ]) {
    global.gc();
    const before = ab.status().json.counts;
    let [v, t] = time(run);
    const after = ab.status().json.counts;
    result.runs[name] = {
      ms: t,
      digest: digest(v),
      features: v.features.length,
      sampleDiff: diffValues(sample(v), refSample),
      counts: before && after && name.startsWith("JSON.parse") ? { native: after.native - before.native, fallbacks: after.fallbacks - before.fallbacks } : null,
    };
    v = null;
  }
  global.gc();
  result.validate = json.validate(buf);
  result.get = { value: json.get(buf, '/features/1000/properties/BLKLOT'), length: json.get(buf, '/features/206559/type') };
  result.rss = process.memoryUsage().rss;
  return result;
}

const mode = process.argv[2];
const out = mode === 'leak' ? leak() : mode === 'big' ? big() : { error: `unknown mode ${mode}` };
process.stdout.write(`${JSON.stringify(out)}\n`);
