'use strict';
// json.get and json.validate read the caller's bytes in place (no padded copy) and find the
// pointer in the same pass that validates the whole document. These tests aim at that path:
// documents that end exactly where the view ends (with bytes after the view that would change the
// verdict if they were read), numbers, literals and escapes at the very end, tiny and long
// tokens, escaped keys on the pointer's path, duplicates, and views on shared memory.
// Every expectation is the builtin's own answer (JSON.parse of buf.toString(), then a plain
// RFC 6901 walk).
const test = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { spawnSync } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');
const { outcome, diffOutcomes } = require('./json/compare');
const { pointerGet } = require('../benchmarks/lib/pointer');

const { json } = require(ROOT);
const builtin = JSON.parse;

// The suite's shared comparison (key order, -0, prototypes, descriptors, error type and message).
function sameOutcome(got, want) {
  return diffOutcomes(got, want, { shared: false }) === null;
}

/** What json.get must answer: the builtin's parse, then an RFC 6901 walk (canonical array indexes). */
function reference(text, pointer) {
  return pointerGet(builtin(text), pointer);
}

// Bytes placed around a view: each would change a verdict if the walk read past the view's end
// (or before its start): digits and exponent letters extend a number, letters extend a literal,
// a quote or backslash changes a string, a bracket closes a container.
const AROUND = ['5', 'e', '.', 'x', '"', '\\', ']', '}', '0', 'u', ' '];

/** The document's bytes as views that end exactly at their last byte, with hostile neighbours. */
function views(text, seed) {
  const bytes = Buffer.from(text);
  const out = [];
  // An exact-size ArrayBuffer (nothing after the view in JavaScript's eyes).
  const exact = new Uint8Array(new ArrayBuffer(bytes.length));
  exact.set(bytes);
  out.push(['exact', exact]);
  // Views inside a larger buffer, at an odd offset, with a hostile byte on each side.
  const pre = AROUND[seed % AROUND.length];
  const post = AROUND[(seed * 7 + 3) % AROUND.length];
  const big = Buffer.from(`${pre.repeat(3)}${text}${post.repeat(70)}`);
  out.push([`inside ${JSON.stringify(pre)}..${JSON.stringify(post)}`, new Uint8Array(big.buffer, big.byteOffset + Buffer.byteLength(pre.repeat(3)), bytes.length)]);
  out.push(['Buffer.subarray', big.subarray(3, 3 + bytes.length)]);
  if (typeof SharedArrayBuffer === 'function') {
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 8), 4, bytes.length);
    shared.set(bytes);
    out.push(['SharedArrayBuffer', shared]);
  }
  return out;
}

function check(text, pointers, problems, seed = 0) {
  const want = outcome(() => builtin(text));
  for (const [how, view] of views(text, seed)) {
    const valid = json.validate(view);
    if (valid !== want.ok) problems.push(`validate(${how}) ${JSON.stringify(text.slice(-80))}: ${valid}, builtin ${want.ok}`);
    for (const pointer of pointers) {
      const expect = outcome(() => reference(text, pointer));
      const got = outcome(() => json.get(view, pointer));
      if (!sameOutcome(got, expect)) {
        problems.push(`get(${how}, ${JSON.stringify(pointer)}) on ${JSON.stringify(text.slice(-80))}: ${util.inspect(got).slice(0, 200)} vs ${util.inspect(expect).slice(0, 200)}`);
      }
    }
  }
  // The string form takes the copying path: same answers.
  if (json.validate(text) !== want.ok) problems.push(`validate(string) ${JSON.stringify(text.slice(-80))}`);
}

function report(problems) {
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} difference(s)`);
}

const NUMBERS = [
  '0', '-0', '1', '-1', '12', '0.5', '-0.5', '10.25', '1e5', '1E5', '1e+5', '1e-5', '-1.5E-10', '0e0', '0.0e-0',
  '123456789012345678901234567890', '-12345678901234567890.123456789012345678e-123456', '1'.repeat(31), '1'.repeat(32), '1'.repeat(33),
  `0.${'7'.repeat(40)}`, `-${'9'.repeat(29)}.5`, `${'2'.repeat(30)}e5`,
  // invalid
  '01', '-01', '00', '1.', '.5', '-', '--1', '+1', '1e', '1e+', '1e-', '1.e5', '1.5.5', '1e5e5', '1e5.5', '1-2', '1+2', '0x10',
  '1..2', '0...5', '1.,', '-.5', '1ee5', '1e5-', 'NaN', '-Infinity', `${'1'.repeat(40)}.`, `${'1'.repeat(40)}e`, `0${'1'.repeat(40)}`, `1.${'5'.repeat(35)}x`,
];
const LITERALS = ['true', 'false', 'null', 'tru', 'fals', 'nul', 'truex', 'nulll', 'True', 'f', 'n'];
const STRINGS = [
  '""', '"a"', '"\\n"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', `"${'x'.repeat(31)}"`, `"${'x'.repeat(40)}\\t"`,
  `"${'\\u0041'.repeat(12)}"`, '"\\/\\b\\f\\r\\"\\\\"',
  // invalid
  '"\\x"', '"\\u12"', '"\\u12g4"', '"\\', '"abc', `"${'y'.repeat(40)}\\q"`, `"${'\\u00e9'.repeat(8)}\\u00"`, '"\\U0041"', '"\u0001"',
];

test('numbers, literals and strings as whole documents, last in an array and last in an object, at the very end of the bytes', () => {
  const problems = [];
  let seed = 0;
  for (const token of [...NUMBERS, ...LITERALS, ...STRINGS]) {
    // Also inside dense arrays of numbers, first, middle and last (the 64-byte window path).
    const inArrays = [`[${token},1,2,3]`, `[1,2,3,${token}]`, `[1,2,${token},3,4]`, `[${'1,'.repeat(30)}${token},5,6]`, `[${'-0.5,'.repeat(12)}${token}]`];
    for (const text of [token, ` ${token} `, `[${token}]`, `[1,${token}]`, `{"k":${token}}`, `{"a":[0],"k":${token}}`, `[${token} ]`, `[${'"pad",'.repeat(20)}${token}]`, ...inArrays]) {
      check(text, ['', '/k', '/0', '/1', '/a/0', '/20'], problems, seed++);
    }
  }
  report(problems);
});

test('short arrays of numbers (checked in a loop of their own) followed by anything', () => {
  const problems = [];
  const AFTER = ['', ',', ']', '}', ':', '{}', '[]', '"x"', ' 2', 'true', ',{}', ',[]', ',"s"', ',]', ',true', ',-', ',01'];
  let seed = 0;
  for (let count = 1; count <= 7; count++) {
    const nums = Array.from({ length: count }, (_, i) => (i % 2 ? '-0.5' : String(i + 1)));
    for (const tail of AFTER) {
      for (const text of [`[${nums.join(',')}${tail}]`, `[[${nums.join(',')}${tail}]]`, `{"a":[${nums.join(',')}${tail}],"b":[${nums.join(',')}]}`]) {
        check(text, ['', '/0', `/${count - 1}`, '/0/0', '/a/1', '/b/0'], problems, seed++);
      }
    }
  }
  report(problems);
});

// Consecutive short arrays in an array ([x,y],[x,y]... as in GeoJSON) or an object go from one to the next
// without leaving the short-array loop: defects (a wrong acceptance shows; a wrong rejection only
// costs time, the builtin confirms every rejection), other elements and other parents around them.
test('runs of short arrays of numbers (one after another in the short-array loop, in arrays and objects), with defects and other neighbours', () => {
  const problems = [];
  let s = 7;
  const rand = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  const TOKENS = ['0', '-1', '2.5', '-65.613616999999977', '43.420273000000009', '1e5', '-0', '01', '1.', '-', '.5', '1e', '2..5'];
  const AFTER = ['', ',', ']', '}', '"x"', ' 2', 'true', ',{}', ',[]', ',"s"', ',]', ',-', ',01', ',[', ',[1', ',[1,'];
  const OTHER = ['[]', '{}', '"s"', '7', '[[1,2]]', '[1,2,3,4,5,6]', 'null'];
  let seed = 0;
  for (let i = 0; i < 400; i++) {
    const arrays = [];
    for (let k = 1 + rand(6); k > 0; k--) {
      const nums = Array.from({ length: 1 + rand(i % 4 === 0 ? 7 : 3) }, () => TOKENS[rand(i % 3 === 0 ? TOKENS.length : 7)]);
      arrays.push(rand(10) === 0 ? OTHER[rand(OTHER.length)] : `[${nums.join(rand(5) ? ',' : ', ')}]`);
    }
    const at = rand(arrays.length);
    const tail = AFTER[rand(AFTER.length)];
    arrays[at] = arrays[at].endsWith(']') ? arrays[at].slice(0, -1) + tail + ']' : arrays[at];
    const body = arrays.join(rand(4) ? ',' : ', ');
    // Also as the members of an object ("pos":[x,y,z],"rot":[...]...), keys with escapes (valid
    // and not) among them.
    const KEYS = ['pos', 'rot', 'a\\u00e9', 'k\\n', 'bad\\x', 'bad\\u12', ''];
    const members = arrays.map((a, k) => `"${k === at && rand(2) ? KEYS[rand(KEYS.length)] : KEYS[k % 2]}${k}"${rand(4) ? ':' : ' : '}${a}`).join(',');
    const text = [`[${body}]`, `{"c":[${body}],"d":[1,2]}`, `[[${body}]]`, `{${members}}`, `[{${members}}]`][rand(5)];
    check(text, ['', '/0', '/1', '/0/1', '/c/1/0', `/${arrays.length - 1}/0`, '/d/1', '/0/0/1', '/pos0/0', '/rot1/1'], problems, seed++);
  }
  report(problems);
});

test('tiny documents and truncations of a document at every length', () => {
  const problems = [];
  for (const text of ['', ' ', '1', '-', '"', '[', '{', '[]', '{}', '""', '[1]', '{"a":1}', 'tr', 'n', '0 ', ' 0']) check(text, ['', '/a', '/0'], problems);
  const doc = '{"a":[1,-2.5e3,true,null,"s\\u00e9\\n"],"b":{"c":{},"d":[]},"e":-0,"f":"\\ud83d\\ude00"}';
  for (let n = 0; n <= doc.length; n++) check(doc.slice(0, n), ['/a/1', '/b/c', '/e', '/f', '/a/4'], problems, n);
  report(problems);
});

test('pointers: escaped keys on the path, duplicates at every level, indexes, empty containers and scalars on the way', () => {
  const problems = [];
  const docs = [
    '{"\\u0061":{"b":1},"c":2}',
    '{"a":{"b":1},"\\u0061":{"b":2}}',
    '{"\\ud83d\\ude00":{"x":[1,2]},"\\ud800":3,"\\udc00x":4}',
    '{"a\\/b":1,"a\\\\b":2,"a\\"b":3,"\\t":4,"\\u0000":5,"\\u00e9":6,"é":7}',
    '{"a":{"b":{"c":1}},"a":{"b":2}}',
    '{"a":{"b":{"c":1}},"a":{"x":2}}',
    '{"a":[{"b":1},{"b":2,"b":3}],"a":[{"b":4}]}',
    '{"a":[],"b":{},"c":[[]],"d":[{}],"e":"s","f":1}',
    '[[[0,1,[2,[3,4]]],5],[6]]',
    '{"":{"":[{"":1}]}}',
    '{"0":{"1":2},"00":3,"-1":4}',
    `{"long${'k'.repeat(40)}":{"inner":1},"z":[${'1,'.repeat(50)}"last"]}`,
    '{"a":1,"b":[1,2,3],"a":{"b":[4,5]}}',
  ];
  const pointers = ['', '/a', '/a/b', '/a/b/c', '/a/0', '/a/1/b', '/a/0/b', '/c', '/\ud83d\ude00', '/\ud83d\ude00/x/1', '/\ud800', '/a~1b', '/a\\b', '/a"b',
    '/\t', '/\u0000', '/\u00e9', '/é', '/a/x', '/b/0', '/c/0', '/c/0/0', '/d/0', '/d/0/x', '/e/0', '/f/x', '/0/0/2/1/0', '/0/0/2/1/1', '/1/0', '/1/1',
    '//', '///0', '/0', '/0/1', '/00', '/-1', `/long${'k'.repeat(40)}/inner`, '/z/50', '/z/49', '/z/51', '/a/b/1'];
  for (const doc of docs) {
    check(doc, pointers, problems);
    // The same document deep inside a larger one, so the path starts below the root.
    const wrapped = `{"pad":[${'{"q":[1,2]},'.repeat(30)}0],"w":${doc}}`;
    check(wrapped, pointers.map((p) => `/w${p}`), problems);
  }
  report(problems);
});

test('long arrays of numbers (checked 64 bytes at a time where the processor has AVX2) and single-byte defects in them', () => {
  const problems = [];
  let s = 99;
  const rand = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  const TOKENS = ['0', '-0', '7', '-12', '0.5', '-0.25', '10.125', '123456789', '0.000001', '-65.613616999999977', '0.270354', '1e5', '-2.5E-3'];
  const SEPARATORS = [',', ',', ',', ', ', ',\n  ', ' ,', '\n,\n'];
  const DEFECTS = ['', '', '-', '.', '0', '00', ',', ' ', '+', 'e', 'x', '"', ']', '[', '\t', '..', '-.', '.-', '05', '\\'];
  for (let i = 0; i < 1500 && problems.length < 10; i++) {
    const count = 3 + rand(i % 10 === 0 ? 300 : 40);
    const exotic = rand(4) === 0;
    const parts = [];
    for (let k = 0; k < count; k++) parts.push(TOKENS[rand(exotic ? TOKENS.length : TOKENS.length - 2)]);
    const sep = SEPARATORS[rand(SEPARATORS.length)];
    let text = `{"v":[${parts.join(sep)}],"w":[${parts.slice(0, 5).join(',')}]}`;
    // One defect (or none) anywhere inside the array.
    const defect = DEFECTS[rand(DEFECTS.length)];
    const at = 6 + rand(Math.max(1, text.indexOf(']') - 6));
    const op = rand(3);
    if (defect) text = op === 0 ? text.slice(0, at) + defect + text.slice(at) : op === 1 ? text.slice(0, at) + defect + text.slice(at + 1) : text.slice(0, at) + text.slice(at + defect.length);
    check(text, ['/v/0', `/v/${count - 1}`, '/w/4', '/w'], problems, i);
  }
  report(problems);
});

test('pointers into long arrays of numbers: every index, past the end, below a number, nested and duplicated', () => {
  const problems = [];
  for (const count of [3, 4, 7, 16, 33, 70, 150]) {
    const values = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? `-${i}.5` : String(i * 7)));
    const arr = `[${values.join(',')}]`;
    const pointers = [];
    for (let i = 0; i <= count; i++) pointers.push(`/${i}`, `/${i}/x`, `/${i}/0`);
    check(arr, pointers, problems, count);
    check(`{"a":${arr},"b":1}`, pointers.map((p) => `/a${p}`), problems, count);
    check(`[[0],${arr},[${values.slice(0, 3).join(',')}]]`, pointers.map((p) => `/1${p}`).concat(['/2/2', '/2/3', '/0/0']), problems, count);
    // A later duplicate replaces the array: the earlier one's elements are gone.
    check(`{"a":${arr},"a":[1,2,3,4,5]}`, ['/a/0', '/a/4', `/a/${count - 1}`, '/a/5'], problems, count);
    check(`{"a":[1,2,3,4,5],"a":${arr}}`, ['/a/0', '/a/4', `/a/${count - 1}`, `/a/${count}`], problems, count);
  }
  report(problems);
});

// Runs of numbers are checked in fixed 64-byte blocks from the run's first number, with what a
// rule needs from the previous block carried over: defects on both sides of each block boundary,
// tokens, whitespace and separators that cross one, runs that end (or stop at an exponent, a
// string, a tab...) exactly at one, and documents that end right after one.
test('runs of numbers across 64-byte block boundaries: defects on each side, carries, runs ending at a boundary', () => {
  const problems = [];
  const BODIES = [
    ['7', ','], ['-0.25', ', '], ['123', ',\n        '], ['0.5', ' ,'], ['-65.613616999999977', ','], ['10', '\r\n,\t'], ['0', ',\n'],
  ];
  const DEFECTS = ['x', ',', '.', '-', ' ', '0', 'e', ']', '\t', '"'];
  let seed = 0;
  for (const [token, sep] of BODIES) {
    const parts = Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? '0' : i % 7 === 3 ? `${token}1` : token));
    const run = parts.join(sep);
    const head = '{"v":[';
    const first = head.length;
    const pointers = ['/v/0', '/v/1', '/v/20', '/v/39', '/v/40', '/w'];
    const docs = [`${head}${run}]}`, `[${run}]`, `${head}${run},"s"],"w":1}`, `${head}${run},1e5,${run}]}`];
    // The array's ']' (after optional whitespace) at each offset around a block boundary.
    for (let end = 60; end <= 130; end++) {
      let r = '';
      for (let i = 0; r.length < end; i++) r += (i ? sep : '') + parts[i % parts.length];
      const cut = r.slice(0, end).replace(/[,\s.-]+$/, '');
      docs.push(`${head}${cut}]}`, `[${cut}]`, `[${cut} ]`, `${head}${cut}\t]}`);
    }
    for (const doc of docs) check(doc, pointers, problems, seed++);
    const doc = docs[0];
    for (let block = 0; first + block * 64 < doc.length; block++) {
      for (let d = -2; d <= 1; d++) {
        const at = first + block * 64 + d;
        if (at < first || at >= doc.length - 2) continue;
        for (const c of DEFECTS) {
          check(doc.slice(0, at) + c + doc.slice(at + 1), pointers, problems, seed++);
          check(doc.slice(0, at) + c + doc.slice(at), pointers, problems, seed++);
        }
        check(doc.slice(0, at) + doc.slice(at + 1), pointers, problems, seed++);
      }
    }
  }
  report(problems);
});

/** A seeded generator of documents with every kind of token, plus mutations of them. */
function generator(seed) {
  let s = seed >>> 0;
  const rand = (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
  const KEYS = ['a', 'b', 'c', 'é', '\\u0062', 'a\\/b', '0', '1', '', 'long_key_that_is_longer_than_thirty_two_bytes'];
  const SCALARS = ['0', '-0', '1', '-12.5', '3e7', '1.25E-3', '123456789012345678901234567890.5', 'true', 'false', 'null', '""', '"x"', '"\\u00e9\\n"', `"${'w'.repeat(35)}"`];
  function value(depth) {
    const r = rand(depth > 3 ? 3 : 6);
    if (r < 3) return SCALARS[rand(SCALARS.length)];
    if (r < 4) {
      const n = rand(5);
      return `[${Array.from({ length: n }, () => value(depth + 1)).join(rand(2) ? ',' : ', ')}]`;
    }
    const n = rand(5);
    return `{${Array.from({ length: n }, () => `"${KEYS[rand(KEYS.length)]}"${rand(2) ? ':' : ' : '}${value(depth + 1)}`).join(',')}}`;
  }
  const ALPHABET = '{}[]":,.-+eE0123456789 \\ubntrx\u00e9';
  function mutate(text) {
    const chars = text.split('');
    for (let e = 1 + rand(2); e > 0; e--) {
      const at = rand(chars.length + 1);
      const c = ALPHABET[rand(ALPHABET.length)];
      const op = rand(3);
      if (op === 0) chars[at] = c;
      else if (op === 1) chars.splice(at, 0, c);
      else chars.splice(at, 1);
    }
    return chars.join('');
  }
  return { rand, value, mutate };
}

/** Pointers to values that exist (taken from the builtin's result), and near misses. */
function pointersInto(text, rand) {
  let cur;
  try {
    cur = builtin(text);
  } catch {
    return ['', '/a', '/0'];
  }
  const esc = (k) => k.replace(/~/g, '~0').replace(/\//g, '~1');
  let pointer = '';
  const out = [''];
  while (cur !== null && typeof cur === 'object') {
    const keys = Object.keys(cur);
    if (!keys.length) break;
    const k = keys[rand(keys.length)];
    pointer += `/${esc(k)}`;
    out.push(pointer, `${pointer}/0`, `${pointer}x`);
    cur = cur[k];
  }
  return out;
}

// With AVX-512 the addon's own stage 1 (native/json_index.cc) checks escapes as 64-byte block
// masks (backslash runs and \u digits carried from one block to the next) and UTF-8 per 4 KB
// chunk, ending each chunk at a character boundary. Every escape shape, control byte and
// (broken) UTF-8 sequence here is placed at each offset around those boundaries.
test('escapes, control bytes and UTF-8 across 64-byte blocks and 4 KB chunks', () => {
  const problems = [];
  const ESCAPES = ['\\n', '\\\\', '\\\\\\n', '\\\\\\\\', '\\"', '\\\\\\"', '\\u00e9', '\\uD83D\\uDE00', '\\u12', '\\u12G4', '\\x', '\\\\\\x', '\\', '\\u', '\u0001', '\u001f', '\t'];
  let seed = 0;
  for (const esc of ESCAPES) {
    for (let offset = 50; offset <= 70; offset++) {
      // The escape starts `offset` bytes into the document, so it straddles the block boundary at 64.
      const text = `[${' '.repeat(offset - 2)}"${esc}x",1]`;
      check(text, ['/0', '/1'], problems, seed++);
    }
  }
  const CHARS = ['\u00e9', '\u20ac', '\ud83d\ude00'];
  const BROKEN = [[0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]];
  for (const boundary of [4096, 8192]) {
    for (let at = boundary - 5; at <= boundary + 4; at++) {
      for (const bytes of [...CHARS.map((c) => Buffer.from(c)), ...BROKEN.map((b) => Buffer.from(b))]) {
        // A long string that puts `bytes` at offset `at`, a second string after it.
        const head = Buffer.from(`["${'a'.repeat(at - 2)}`);
        const doc = Buffer.concat([head, bytes, Buffer.from(`${'b'.repeat(boundary + 300 - at)}","z\u00e9"]`)]);
        const text = doc.toString();  // what the builtin sees (broken sequences become U+FFFD)
        const want = outcome(() => builtin(text));
        if (json.validate(doc) !== want.ok) problems.push(`validate, ${bytes.toString('hex')} at ${at}: ${!want.ok}`);
        for (const pointer of ['/0', '/1']) {
          const got = outcome(() => json.get(doc, pointer));
          const expect = outcome(() => reference(text, pointer));
          if (!sameOutcome(got, expect)) problems.push(`get ${pointer}, ${bytes.toString('hex')} at ${at}: ${util.inspect(got).slice(0, 80)}`);
        }
      }
    }
  }
  report(problems);
});

test('the stage 1 in use is reported (status().native.jsonIndex); AFTERBURNER_JSON_WIDE=0 selects simdjson\'s, =avx2 at most the AVX2 build', () => {
  const native = require(ROOT).status().native;
  assert.ok(['avx512', 'avx2', 'simdjson'].includes(native.jsonIndex), String(native.jsonIndex));
  const wide = process.env.AFTERBURNER_JSON_WIDE;
  if (wide === '0') assert.equal(native.jsonIndex, 'simdjson');
  if (wide === 'avx2') assert.notEqual(native.jsonIndex, 'avx512');
});

test('seeded random documents and mutations: get and validate equal the builtin on in-place views', () => {
  const problems = [];
  const g = generator(20261125);
  for (let i = 0; i < 1500 && problems.length < 10; i++) {
    const text = g.value(0);
    const doc = i % 3 === 2 ? g.mutate(text) : text;
    check(doc, pointersInto(doc, g.rand), problems, i);
  }
  report(problems);
});

// Dense number arrays take a 64-byte block path with AVX-512 or AVX2 and a per-token path
// elsewhere, and stage 1 is the addon's own with AVX-512 or AVX2; AFTERBURNER_JSON_WIDE (read when
// the addon loads) forces the per-token path with simdjson's stage 1 and the walk's own escape
// checks (0), or the AVX2 blocks and the AVX2 stage 1 (avx2), so every path is checked on any
// machine that can run it.
for (const wide of ['0', 'avx2']) {
  test(`the same checks with AFTERBURNER_JSON_WIDE=${wide}`, { skip: process.env.AFTERBURNER_JSON_WIDE !== undefined && 'a forced run already' }, () => {
    const env = cleanEnv({ AFTERBURNER_JSON_WIDE: wide });
    delete env.NODE_TEST_CONTEXT;  // a standalone run that reports on stdout, not to this runner
    const run = spawnSync(process.execPath, ['--test-reporter=tap', __filename], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60000,
    });
    assert.equal(run.status, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    assert.match(run.stdout, /# pass [1-9]/);
    assert.match(run.stdout, /# fail 0/);
  });
}
