'use strict';
// require('afterburner').json: parse / get / validate answer exactly what the builtin answers,
// from strings and from bytes, and parse builds ordinary fast-mode objects.
const test = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { ROOT, runNode } = require('./helpers');
const corpus = require('../benchmarks/json/corpus');
const { pointerGet } = require('../benchmarks/lib/pointer');

const { json, status } = require(ROOT);
const builtin = JSON.parse;
const nativeLoaded = status().native.loaded;

function outcome(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, name: err && err.constructor && err.constructor.name, message: err && err.message };
  }
}

/** Deep equality that also checks key order, -0 and prototypes (iterative: documents nest deeply). */
function sameValue(a, b) {
  const stack = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop();
    if (x === null || typeof x !== 'object' || y === null || typeof y !== 'object') {
      if (!Object.is(x, y)) return false;
      continue;
    }
    if (Array.isArray(x) !== Array.isArray(y) || Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false;
    const kx = Reflect.ownKeys(x);
    const ky = Reflect.ownKeys(y);
    if (kx.length !== ky.length || kx.some((k, i) => k !== ky[i])) return false;
    for (const k of kx) {
      const dx = Object.getOwnPropertyDescriptor(x, k);
      const dy = Object.getOwnPropertyDescriptor(y, k);
      if (dx.enumerable !== dy.enumerable || dx.writable !== dy.writable || dx.configurable !== dy.configurable) return false;
      stack.push([dx.value, dy.value]);
    }
  }
  return true;
}

function sameOutcome(got, want) {
  if (got.ok !== want.ok) return false;
  if (!got.ok) return got.name === want.name && got.message === want.message;
  return sameValue(got.value, want.value);
}

const docs = corpus.load();

test('the json helpers are exported and the native path is present when the addon is', () => {
  assert.equal(typeof json.parse, 'function');
  assert.equal(typeof json.get, 'function');
  assert.equal(typeof json.validate, 'function');
  assert.equal(json.nativeAvailable(), nativeLoaded);
});

test('json.parse equals JSON.parse on every corpus document, from a string, a Buffer and a Uint8Array', { skip: docs.length < 4 && 'corpus missing' }, () => {
  for (const d of docs) {
    const want = builtin(d.text);
    // Twice: the second parse reuses the persistent key and shape tables.
    for (let round = 0; round < 2; round++) {
      assert.ok(sameValue(json.parse(d.text), want), `${d.name} (string)`);
      assert.ok(sameValue(json.parse(d.buf), want), `${d.name} (Buffer)`);
      assert.ok(sameValue(json.parse(new Uint8Array(d.buf)), want), `${d.name} (Uint8Array)`);
    }
  }
});

const SPECIALS = [
  '-0', '[-0,0,-0.0,-0e0,0e-5,-1e-400,1e-400]', '{"a":-0}', '[1e400,-1e400,1e308,2e308]',
  '[9007199254740993,18446744073709551615,18446744073709551616,-9223372036854775809,123456789012345678901234567890]',
  '[0.1,1.7976931348623157e308,5e-324,2.2250738585072014e-308,4.9406564584124654e-324]',
  '"\\ud800"', '"\\udc00\\ud800"', '["\\ud83d\\ude00","\\u00e9","\\u0000"]', '"\ud800"', '"a\udfffb"', '"\ufffd"',
  '\ufeff{}', '\ufeff[1]', '{"b":1,"a":2,"10":3,"2":4,"-1":5,"01":6,"4294967295":7,"4294967294":8}',
  '{"a":1,"b":2,"a":3}', '{"x":{"a":1},"x":{"b":2}}', '{"__proto__":{"polluted":true},"y":1}', '{"__proto__":null}',
  '[{"__proto__":1},{"__proto__":2}]', '{"constructor":1,"toString":2,"hasOwnProperty":3}',
  '[' + '['.repeat(5000) + ']'.repeat(5000) + ']', '{"a":' .repeat(1100) + '1' + '}'.repeat(1100),
  '', ' ', '[1,2', '{"a":1,}', '[1,]', '01', '1.', '.5', '-', '+1', 'NaN', 'Infinity', 'undefined', 'nul', 'tru',
  '"\u0001"', '"\t"', '"abc', '{"a" 1}', '[1 2]', '1 2', '{}}', '"\\x41"', '"\\u12"', '[1e]', '[1e+]',
  ' \t\n\r[ 1 , 2 ]\r\n', '\u00a0[]', '[]\u2028', '"\u2028\u2029"', '{"\u00e9\u4e2d":"\ud83d\ude00"}',
];

test('special cases: values, -0, big numbers, surrogates, BOM, key order, duplicates, __proto__, depth and error messages', () => {
  const padded = SPECIALS.map((t) => `[${'"padding",'.repeat(300)}${t}]`);
  for (const text of [...SPECIALS, ...padded]) {
    for (const input of [text, Buffer.from(text)]) {
      // Bytes are compared with what a service does today: JSON.parse(buf.toString()).
      const want = outcome(() => builtin(typeof input === 'string' ? input : input.toString()));
      const got = outcome(() => json.parse(input));
      assert.ok(sameOutcome(got, want), `json.parse(${typeof input === 'string' ? 'string' : 'Buffer'} ${JSON.stringify(text.slice(0, 60))}): ${util.inspect(got).slice(0, 300)} vs ${util.inspect(want).slice(0, 300)}`);
      assert.equal(json.validate(input), want.ok, `validate ${JSON.stringify(text.slice(0, 60))}`);
    }
  }
  assert.ok(Object.is(json.parse('-0'), -0));
  assert.equal(Object.getPrototypeOf(json.parse('{"__proto__":{"polluted":true}}')), Object.prototype);
  assert.equal({}.polluted, undefined);
});

test('bytes decode exactly like buf.toString(): invalid UTF-8, BOM, NUL', () => {
  const cases = [
    Buffer.from([0x22, 0xff, 0x22]),
    Buffer.from([0x22, 0xe2, 0x82, 0x22]),
    Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), // UTF-8 encoded lone surrogate
    Buffer.from([0xef, 0xbb, 0xbf, 0x5b, 0x5d]),
    Buffer.from([0x5b, 0x00, 0x5d]),
    Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d]),
    Buffer.from([0xff, 0x5b, 0x5d]),
  ];
  // Each case alone, and inside a document large enough for the native path of every runtime.
  const pad = Buffer.from(`[${'12345.5,'.repeat(400)}`);
  for (const buf of [...cases, ...cases.map((c) => Buffer.concat([pad, c, Buffer.from(']')]))]) {
    const want = outcome(() => builtin(buf.toString()));
    const got = outcome(() => json.parse(buf));
    assert.ok(sameOutcome(got, want), `${buf.toString('hex')}: ${util.inspect(got)} vs ${util.inspect(want)}`);
    assert.equal(json.validate(buf), want.ok, buf.toString('hex'));
  }
  // A Uint8Array view with an offset reads only its own bytes.
  const big = Buffer.from('xx[1,2,3]yy');
  assert.deepEqual(json.parse(new Uint8Array(big.buffer, big.byteOffset + 2, 7)), [1, 2, 3]);
});

test('revivers run exactly as in the builtin (order, this, deletions)', () => {
  const text = '{"a":[1,{"b":2}],"c":"x","d":{"e":null}}';
  const log = (calls) => function (key, value) {
    calls.push([key, JSON.stringify(this), JSON.stringify(value)]);
    return key === 'c' ? undefined : value;
  };
  const want = [];
  const got = [];
  const r1 = builtin(text, log(want));
  const r2 = json.parse(Buffer.from(text), log(got));
  assert.deepEqual(got, want);
  assert.ok(sameValue(r2, r1));
});

test('json.get matches an RFC 6901 walk of JSON.parse, and throws the builtin\'s SyntaxError on invalid documents', () => {
  const doc = '{"a/b":1,"m~n":2,"":3,"arr":[10,{"x":-0},[true]],"dup":1,"dup":{"z":2},"7":8,"é":9,"__proto__":{"p":1},"n":null}';
  const pointers = ['', '/a~1b', '/m~0n', '/', '/arr', '/arr/0', '/arr/1/x', '/arr/2/0', '/arr/3', '/arr/01', '/arr/-', '/arr/x',
    '/dup', '/dup/z', '/7', '/é', '/__proto__', '/__proto__/p', '/n', '/n/x', '/missing', '/arr/0/deeper', '/a~1b/c'];
  const parsed = builtin(doc);
  for (const input of [doc, Buffer.from(doc)]) {
    for (const pointer of pointers) {
      assert.ok(sameValue(json.get(input, pointer), pointerGet(parsed, pointer)), `get(${pointer})`);
    }
  }
  assert.ok(Object.is(json.get(doc, '/arr/1/x'), -0));
  // The value is found before the error, but the whole document decides.
  for (const bad of ['{"a":1,"b":', '{"a":1} x', '\ufeff{"a":1}', '{"a":1,"b":"\u0001"}']) {
    const want = outcome(() => builtin(bad));
    const got = outcome(() => json.get(bad, '/a'));
    assert.ok(sameOutcome(got, want), `get on ${JSON.stringify(bad)}: ${util.inspect(got)}`);
  }
  // Numbers simdjson cannot represent still resolve (through the builtin).
  assert.equal(json.get('{"a":1e400,"b":[18446744073709551616]}', '/b/0'), 18446744073709551616);
  assert.equal(json.get('{"a":1e400}', '/a'), Infinity);
  assert.throws(() => json.get('{}', 'a'), TypeError);
  assert.throws(() => json.get('{}', '/a~2'), TypeError);
  assert.throws(() => json.get('{}', 1), TypeError);
});

test('json.validate agrees with the builtin on the corpus and on mutated documents', () => {
  for (const d of docs.slice(0, 6)) {
    assert.equal(json.validate(d.buf), true, d.name);
    assert.equal(json.validate(d.text), true, d.name);
  }
  const bases = ['{"a":[1,2.5,-3e2,"s\\n\\u00e9",true,false,null,{"b":{}}],"c":"d"}', '[{"k":"v\\"q\\\\","n":-0.0e+1},[],{},"",0,[[1]],"\\ud800x"]\n'];
  let seed = 7;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const alphabet = '{}[]":,.-+eE0123456789 \\untrlfas\u00e9\ud800';
  for (let i = 0; i < 6000; i++) {
    const chars = bases[i % 2].split('');
    const edits = 1 + rand(3);
    for (let e = 0; e < edits; e++) {
      const at = rand(chars.length);
      const op = rand(3);
      const c = alphabet[rand(alphabet.length)];
      if (op === 0) chars[at] = c;
      else if (op === 1) chars.splice(at, 0, c);
      else chars.splice(at, 1);
    }
    const text = chars.join('');
    const want = outcome(() => builtin(text));
    assert.equal(json.validate(text), want.ok, JSON.stringify(text));
    assert.ok(sameOutcome(outcome(() => json.parse(text)), want), JSON.stringify(text));
  }
});

test('inputs that are neither strings nor bytes are refused with a TypeError', () => {
  for (const bad of [undefined, null, 1, {}, [], new ArrayBuffer(2), new Uint16Array(2)]) {
    assert.throws(() => json.parse(bad), TypeError);
    assert.throws(() => json.validate(bad), TypeError);
    assert.throws(() => json.get(bad, ''), TypeError);
  }
});

test('parsed objects are fast-mode exactly where the builtin\'s are (%HasFastProperties), arrays packed with unboxed numbers', { skip: docs.length < 4 && 'corpus missing' }, () => {
  // Arrays: never holey or dictionary-mode (the builtin makes packed arrays), and arrays of
  // numbers hold them unboxed (small-integer or double elements) wherever the builtin does, so a
  // faster parse never leaves slower arrays to the program. Both the string and the Buffer path.
  const code = `
    const { json } = require(${JSON.stringify(ROOT)});
    const corpus = require(${JSON.stringify(require.resolve('../benchmarks/json/corpus'))});
    const out = { objects: 0, fast: 0, arrays: 0, numberArrays: 0, mismatches: [] };
    const miss = (m) => { if (out.mismatches.length < 5) out.mismatches.push(m); };
    const unboxed = (x) => %HasSmiElements(x) || %HasDoubleElements(x);
    function walk(a, b, where) {
      if (a === null || typeof a !== 'object') return;
      if (Array.isArray(a)) {
        out.arrays++;
        if (%HasHoleyElements(a) || %HasDictionaryElements(a)) miss(where + ': holey or dictionary array');
        if (unboxed(b)) {
          out.numberArrays++;
          if (!unboxed(a)) miss(where + ': numbers boxed in a generic array');
        }
      } else {
        out.objects++;
        const fa = %HasFastProperties(a), fb = %HasFastProperties(b);
        if (fa) out.fast++;
        if (fa !== fb) miss(where + ' native=' + fa + ' builtin=' + fb);
      }
      for (const k of Object.keys(a)) walk(a[k], b[k], where + '/' + k);
    }
    for (const d of corpus.load(['twitter.json', 'citm_catalog.json', 'canada.json', 'random.json', 'marine_ik.json', 'mesh.json', 'api-2KB'])) {
      for (let i = 0; i < 2; i++) {
        walk(json.parse(d.buf), JSON.parse(d.text), d.name + ' (Buffer)');
        walk(json.parse(d.text), JSON.parse(d.text), d.name + ' (string)');
      }
    }
    // Maps keyed by ids around the builtin's dictionary threshold (128 named keys), fresh keys.
    const { idMaps } = require(${JSON.stringify(require.resolve('../benchmarks/json/traffic'))});
    for (const n of [100, 127, 128, 129, 500]) {
      const next = idMaps(n, n);
      for (let i = 0; i < 3; i++) {
        const t = next();
        walk(json.parse(t), JSON.parse(t), 'ids ' + n);
        walk(json.parse(Buffer.from(t)), JSON.parse(t), 'ids ' + n + ' (Buffer)');
      }
    }
    // Number arrays longer than the builder's 65,536-element templates, integers and fractions.
    for (const n of [65536, 65537, 140000]) {
      const ints = JSON.stringify(Array.from({ length: n }, (_, i) => i % 1000));
      const fracs = JSON.stringify({ v: Array.from({ length: n }, (_, i) => i / 7) });
      walk(json.parse(ints), JSON.parse(ints), 'ints ' + n);
      walk(json.parse(fracs), JSON.parse(fracs), 'fractions ' + n);
      if (json.parse(ints).length !== n || json.parse(fracs).v.length !== n) miss('length ' + n);
    }
    console.log(JSON.stringify(out));`;
  const { status: code_, json: result, stderr } = runNode(code, { preload: 'none', args: ['--allow-natives-syntax'] });
  assert.equal(code_, 0, stderr);
  assert.ok(result.objects > 1000, `walked ${result.objects} objects`);
  assert.ok(result.numberArrays > 1000, `walked ${result.numberArrays} number arrays`);
  assert.deepEqual(result.mismatches, []);
  assert.ok(result.fast / result.objects > 0.99, `${result.fast} of ${result.objects} fast`);
});

test('with code generation from strings disallowed, results stay right (the native path steps aside)', () => {
  const code = `
    const { json } = require(${JSON.stringify(ROOT)});
    const text = JSON.stringify({ a: [1, { b: 2, c: 'x' }], d: -0.5 });
    const same = JSON.stringify(json.parse(text)) === text && JSON.stringify(json.parse(Buffer.from(text + ' '.repeat(4096)))) === text;
    console.log(JSON.stringify({ same }));`;
  const { status: code_, json: result, stderr } = runNode(code, { preload: 'none', args: ['--disallow-code-generation-from-strings'] });
  assert.equal(code_, 0, stderr);
  assert.equal(result.same, true);
});
