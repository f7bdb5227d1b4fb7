'use strict';
// Exact comparison of two JSON.parse outcomes, for the differential tests (test/12-16).
//
// "Identical to the builtin" is checked as strictly as JavaScript can observe it: same types,
// Object.is on every primitive (so -0 and NaN count), same prototype object, same own keys in the
// same order (Reflect.ownKeys and Object.keys), same property descriptors, same extensibility,
// array holes and length, and for a throw: same constructor (identity), same name and message.
// The walk is iterative, so a 1,000,000-level document compares without a stack overflow.

/** Runs fn and captures its result or its throw, so two runs can be compared. */
function outcome(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

function show(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `[function ${value.name}]`;
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? `[array length ${value.length}]` : '[object]';
  return String(value);
}

function describeError(error) {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return `throw ${show(error)}`;
  const ctor = error.constructor && error.constructor.name;
  return `${ctor}: ${error.message}`;
}

// Paths are linked frames { parent, key } so deep documents cost O(1) per level.
function pathString(path) {
  const keys = [];
  for (let p = path; p !== null; p = p.parent) keys.push(p.key);
  let out = '$';
  if (keys.length > 40) {
    out += `…(${keys.length - 20} levels)…`;
    keys.length = 20;
  }
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i];
    out += typeof key === 'number' ? `[${key}]` : `[${typeof key === 'symbol' ? key.toString() : JSON.stringify(key)}]`;
  }
  return out;
}

/**
 * First difference between two values, as a readable sentence, or null when they are identical.
 * `expected` is the builtin's result. `shared: false` skips the identity map that detects shared
 * or cyclic structure (only revivers can make those); it saves a third of the time on huge trees.
 */
function diffValues(actual, expected, { shared = true } = {}) {
  // Three parallel stacks (actual, expected, path) instead of one array per frame: deep and large
  // documents are compared often, and this walk is most of the tests' run time.
  const A = [actual];
  const E = [expected];
  const P = [null];
  // Pairs already compared: revivers can return shared or cyclic structures.
  const seen = new Map();
  while (A.length) {
    const a = A.pop();
    const e = E.pop();
    const path = P.pop();
    const d = diffPrimitive(a, e);
    if (d !== undefined) {
      if (d === null) continue;
      return `${pathString(path)}: ${d}`;
    }
    const at = () => pathString(path);
    if (shared) {
      const known = seen.get(a);
      if (known !== undefined) {
        if (known !== e) return `${at()}: shared/cyclic structure differs`;
        continue;
      }
      seen.set(a, e);
    }
    const pa = Object.getPrototypeOf(a);
    const pe = Object.getPrototypeOf(e);
    if (pa !== pe) return `${at()}: prototype differs (${protoName(pa)}, builtin ${protoName(pe)})`;
    const isArr = Array.isArray(a);
    if (isArr !== Array.isArray(e)) return `${at()}: Array.isArray ${isArr}, builtin ${Array.isArray(e)}`;
    if (Object.isExtensible(a) !== Object.isExtensible(e)) return `${at()}: extensibility differs`;
    // Own keys in order; with the per-key descriptor checks below this covers Object.keys order,
    // enumerability and frozen-ness too.
    const ka = Reflect.ownKeys(a);
    const ke = Reflect.ownKeys(e);
    let same = ka.length === ke.length;
    for (let i = 0; same && i < ka.length; i++) same = ka[i] === ke[i];
    if (!same) return `${at()}: own keys ${showKeys(ka)}, builtin ${showKeys(ke)}`;
    // Push in reverse so the first differing key (in order) is the one reported.
    for (let i = ka.length - 1; i >= 0; i--) {
      const key = ka[i];
      const da = Object.getOwnPropertyDescriptor(a, key);
      const de = Object.getOwnPropertyDescriptor(e, key);
      const sub = () => ({ parent: path, key: isArr && typeof key === 'string' && key !== 'length' ? Number(key) : key });
      if (da.writable !== de.writable || da.enumerable !== de.enumerable || da.configurable !== de.configurable) {
        return `${pathString(sub())}: attributes ${attrs(da)}, builtin ${attrs(de)}`;
      }
      const va = 'value' in da;
      if (va !== 'value' in de) return `${pathString(sub())}: accessor vs data property`;
      if (!va) {
        if (da.get !== de.get || da.set !== de.set) return `${pathString(sub())}: accessors differ`;
        continue;
      }
      const dv = diffPrimitive(da.value, de.value);
      if (dv === null) continue;
      if (dv !== undefined) return `${pathString(sub())}: ${dv}`;
      A.push(da.value);
      E.push(de.value);
      P.push(sub());
    }
  }
  return null;
}

/** null: equal primitives; a sentence: they differ; undefined: both are objects, walk them. */
function diffPrimitive(a, e) {
  const ta = typeof a;
  const te = typeof e;
  if (ta !== te) return `type ${ta} (${show(a)}), builtin ${te} (${show(e)})`;
  if (a === null || e === null || (ta !== 'object' && ta !== 'function')) {
    return Object.is(a, e) ? null : `${show(a)}, builtin ${show(e)}`;
  }
  if (ta === 'function') return a === e ? null : 'a different function';
  return undefined;
}

function attrs(d) {
  return `${d.writable ? 'w' : '-'}${d.enumerable ? 'e' : '-'}${d.configurable ? 'c' : '-'}`;
}

function protoName(proto) {
  if (proto === null) return 'null';
  if (proto === Object.prototype) return 'Object.prototype';
  if (proto === Array.prototype) return 'Array.prototype';
  return (proto.constructor && proto.constructor.name) || 'another object';
}

function showKeys(keys) {
  const list = keys.slice(0, 12).map((k) => (typeof k === 'symbol' ? k.toString() : JSON.stringify(k)));
  return `[${list.join(',')}${keys.length > 12 ? `,… (${keys.length})` : ''}]`;
}

/** First difference between two thrown values, or null: constructor identity, name, message. */
function diffErrors(actual, expected) {
  if (actual === expected) return null;
  const isObj = (x) => x !== null && (typeof x === 'object' || typeof x === 'function');
  if (!isObj(actual) || !isObj(expected)) {
    return Object.is(actual, expected) ? null : `threw ${describeError(actual)}, builtin threw ${describeError(expected)}`;
  }
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected) || actual.constructor !== expected.constructor) {
    return `threw ${describeError(actual)}, builtin threw ${describeError(expected)}`;
  }
  if (actual.name !== expected.name || actual.message !== expected.message) {
    return `threw ${describeError(actual)}, builtin threw ${describeError(expected)}`;
  }
  return null;
}

/** First difference between two outcomes (from `outcome()`), or null. */
function diffOutcomes(actual, expected, options) {
  if (actual.ok && expected.ok) return diffValues(actual.value, expected.value, options);
  if (!actual.ok && !expected.ok) return diffErrors(actual.error, expected.error);
  if (actual.ok) return `returned ${show(actual.value)}, builtin threw ${describeError(expected.error)}`;
  return `threw ${describeError(actual.error)}, builtin returned ${show(expected.value)}`;
}

/** A short, copy-pastable rendering of an input for failure messages. */
function showInput(input, max = 200) {
  if (typeof input === 'string') {
    const s = JSON.stringify(input.length > max ? input.slice(0, max) : input);
    return input.length > max ? `${s}… (${input.length} chars)` : s;
  }
  if (input instanceof Uint8Array) {
    // A view over a detached (transferred) or shrunk ArrayBuffer has length 0 and no bytes to show.
    if (input.byteLength === 0) return `${Buffer.isBuffer(input) ? 'Buffer' : 'Uint8Array'} of length 0${input.buffer.detached ? ' over a detached ArrayBuffer' : ''}`;
    const hex = Buffer.from(input.buffer, input.byteOffset, Math.min(input.length, max)).toString('hex');
    return `${Buffer.isBuffer(input) ? 'Buffer' : 'Uint8Array'}.from('${hex}', 'hex')${input.length > max ? `… (${input.length} bytes)` : ''}`;
  }
  return show(input);
}

module.exports = { outcome, diffValues, diffErrors, diffOutcomes, showInput, describeError, show };
