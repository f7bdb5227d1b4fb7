'use strict';
// What the json differential tests compare: the builtin JSON.parse (kept before install) against
// the patched JSON.parse and the helpers of require('afterburner').json, on the same inputs.
//
// The oracle for every helper is the builtin:
//   json.parse(string, r)      ≡ JSON.parse(string, r)
//   json.parse(bytes, r)       ≡ JSON.parse(Buffer.from(bytes).toString(), r)   (UTF-8, U+FFFD for bad bytes, BOM kept)
//   json.validate(input)       ≡ JSON.parse(text) does not throw
//   json.get(input, pointer)   ≡ RFC 6901 lookup on JSON.parse(text); SyntaxError when JSON.parse throws one
const { ROOT } = require('../helpers');
const { outcome, diffOutcomes, showInput, describeError } = require('./compare');
const { pointerGet } = require('../../benchmarks/lib/pointer');

const builtinParse = JSON.parse;
const ab = require(ROOT);

/**
 * Installs only the json patch in this process. `jsonOption` is passed as install({ json }).
 * Returns { patched, status, notes } where notes are diagnostics worth printing.
 */
function installJson(jsonOption = true) {
  ab.install({ json: jsonOption, timers: false, gc: false, weak: false, log: 'silent' });
  const status = ab.status();
  const notes = [];
  if (!status.json.active) {
    notes.push(`json patch INACTIVE (${status.json.reason ?? 'no reason'}): these tests exercise the fallback only`);
  }
  if (!status.native.loaded) notes.push(`native addon not loaded: ${status.native.error}`);
  notes.push(`json status: ${JSON.stringify(status.json)}`);
  return { patched: JSON.parse, status, notes };
}

function uninstall() {
  ab.uninstall();
}

const helpers = ab.json || {};
const has = {
  parse: typeof helpers.parse === 'function',
  get: typeof helpers.get === 'function',
  validate: typeof helpers.validate === 'function',
};

// The helpers do not go through the router, so a second route would only repeat their checks:
// routes.js turns them on for the default route only.
let helpersRun = true;
function setHelpersOn(on) {
  helpersRun = on;
}
/** Whether this run compares helper `name` (it exists, and the current route runs the helpers). */
function runs(name) {
  return has[name] && helpersRun;
}

/** The builtin's view of the input: `Buffer.from(u).toString()` ('' for a view over a detached ArrayBuffer). */
function textOf(input) {
  if (typeof input === 'string') return input;
  return input.byteLength === 0 ? '' : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString();
}

const PAD = 4096;

/**
 * Compares everything that applies to `input` and returns a list of difference sentences (empty
 * when identical). `patched` is the installed JSON.parse. Options: reviver, pointers (for get),
 * label (prefix for messages), helpersToo (default true), patchedToo (JSON.parse on a Buffer, default true).
 */
function check(patched, input, { reviver, pointers = [], label = '', helpersToo = true, patchedToo = true, pad = true } = {}) {
  const diffs = [];
  // json.parse sends short byte inputs to the builtin (a size threshold per V8 version), which
  // would leave the native path untested on every small case. Trailing JSON whitespace changes
  // neither the value nor the builtin's verdict, so a padded copy takes the native path.
  if (pad && input instanceof Uint8Array && input.length < PAD && helpersToo && helpersRun) {
    const padded = Buffer.concat([input, Buffer.alloc(PAD, 0x20)]);
    diffs.push(...check(patched, padded, { reviver, pointers, label: `${label} (+${PAD} trailing spaces)`, patchedToo: false, pad: false }));
  }
  const prefix = `${label}${label ? ' ' : ''}input ${showInput(input)}`;
  const withReviver = reviver !== undefined;
  const isBytes = input instanceof Uint8Array;
  const text = isBytes ? textOf(input) : input;
  const expected = outcome(() => (withReviver ? builtinParse(text, reviver) : builtinParse(text)));

  if (!isBytes) {
    const got = outcome(() => (withReviver ? patched(input, reviver) : patched(input)));
    const d = diffOutcomes(got, expected);
    if (d) diffs.push(`${prefix}: patched JSON.parse ${d}`);
  } else if (patchedToo && helpersRun) {
    // (Route-independent: a non-string never reaches the router's native branch; default route only.)
    // JSON.parse coerces a Buffer with toString() like any object: same as the builtin on the Buffer.
    const want = outcome(() => builtinParse(input));
    const got = outcome(() => patched(input));
    const d = diffOutcomes(got, want);
    if (d) diffs.push(`${prefix}: patched JSON.parse(buffer) ${d}`);
  }
  if (!helpersToo || !helpersRun) return diffs;

  if (has.parse) {
    const got = outcome(() => (withReviver ? helpers.parse(input, reviver) : helpers.parse(input)));
    const d = diffOutcomes(got, expected);
    if (d) diffs.push(`${prefix}: json.parse ${d}`);
  }
  if (has.validate && !withReviver) {
    const got = outcome(() => helpers.validate(input));
    if (!got.ok) diffs.push(`${prefix}: json.validate threw ${describeError(got.error)}`);
    else if (got.value !== expected.ok) diffs.push(`${prefix}: json.validate returned ${got.value}, builtin ${expected.ok ? 'accepts' : 'rejects'} it`);
  }
  if (has.get && !withReviver) {
    for (const pointer of pointers) {
      const got = outcome(() => helpers.get(input, pointer));
      const want = expected.ok ? outcome(() => pointerGet(expected.value, pointer)) : expected;
      let d = diffOutcomes(got, want);
      // On an invalid document, get must throw a SyntaxError; its message may be the builtin's or
      // its own, so only the constructor is required to match.
      if (d && !expected.ok && !got.ok && got.error instanceof SyntaxError && got.error.constructor === SyntaxError) d = null;
      // A malformed pointer is an argument error: any TypeError will do (the message is the package's).
      if (d && !want.ok && want.error instanceof TypeError && !got.ok && got.error && got.error.constructor === TypeError) d = null;
      if (d) diffs.push(`${prefix}: json.get(…, ${JSON.stringify(pointer)}) ${d}`);
    }
  }
  return diffs;
}

/** Pointers worth asking for on a parsed value: the root, the first few paths, absent ones. */
function pointersFor(value, limit = 6) {
  const out = ['', '/nope', '/0', '/-'];
  const escape = (k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1');
  const walk = (v, p, depth) => {
    if (out.length >= limit + 4 || depth > 4 || v === null || typeof v !== 'object') return;
    const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    for (const k of keys.slice(0, 3)) {
      const next = `${p}/${escape(k)}`;
      out.push(next);
      walk(v[k], next, depth + 1);
    }
  };
  walk(value, '', 0);
  return out;
}

module.exports = { ab, builtinParse, installJson, uninstall, helpers, has, runs, setHelpersOn, check, pointersFor, pointerGet, textOf };
