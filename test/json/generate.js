'use strict';
// Seeded random JSON documents and mutations of them, for the fuzz test (test/14). Everything is
// driven by one PRNG, so a failure message's seed and index reproduce the exact input.

const { mulberry32 } = require('../../benchmarks/lib/random');

/** The shared seeded PRNG with the draws the generator uses. */
function prng(seed) {
  const next = mulberry32(seed);
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

const WS = [' ', '\t', '\n', '\r', '  ', '\r\n'];
const KEYS = ['a', 'b', 'c', 'id', 'name', '__proto__', 'constructor', 'toString', '0', '1', '2', '10', '01', '-1', '1.5',
  '4294967294', '4294967295', '4294967296', '9007199254740993', '', ' ', 'é', '中', '😀', 'a\\u0062', '\\u0061', 'a"b',
  'x\\ny', '\\ud800', 'length', 'hasOwnProperty', 'key with spaces'];
const ESCAPES = ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u0000', '\\u001f', '\\u00e9', '\\u4e2d', '\\ud83d\\ude00',
  '\\ud800', '\\udc00', '\\uFFFF', '\\uFEFF', '\\u2028', '\\uD834\\uDD1E', '\\u0041'];
const CHARS = ['a', 'b', 'z', ' ', '0', '~', '/', "'", '\u007f', 'é', 'ÿ', '\u0100', '中', '😀', '\u2028', '\ufeff', '\ud800', '\udc00',
  '\u00a0', '\ufffd', 'Ω'];

function makeGenerator(seed) {
  const r = prng(seed);

  function ws() {
    return r.chance(0.8) ? '' : r.pick(WS);
  }

  function number() {
    switch (r.int(12)) {
      case 0: return String(r.int(10));
      case 1: return String(r.int(2 ** 31) - 2 ** 30);
      case 2: return r.pick(['-0', '-0.0', '0.0', '-0e0', '0e-5', '-0E+3', '0']);
      case 3: return String((r.next() - 0.5) * 10 ** r.int(30));
      case 4: {
        // Any finite double, from its bits.
        const buf = Buffer.alloc(8);
        buf.writeUInt32LE(r.int(2 ** 32), 0);
        buf.writeUInt32LE(r.int(2 ** 32), 4);
        const x = buf.readDoubleLE(0);
        return Number.isFinite(x) ? String(x) : '1e308';
      }
      case 5: {
        let digits = String(1 + r.int(9));
        const n = r.int(40);
        for (let i = 0; i < n; i++) digits += r.int(10);
        return (r.chance(0.5) ? '-' : '') + digits;
      }
      case 6: {
        const frac = Array.from({ length: 1 + r.int(25) }, () => r.int(10)).join('');
        return `${r.chance(0.3) ? '-' : ''}${r.int(1000)}.${frac}`;
      }
      case 7: return `${r.int(100)}${r.pick(['e', 'E'])}${r.pick(['', '+', '-'])}${r.int(r.chance(0.2) ? 100000 : 400)}`;
      case 8: return r.pick(['1e400', '-1e400', '1e-400', '5e-324', '2.4703282292062328e-324', '1.7976931348623157e308',
        '1.7976931348623159e308', '9007199254740993', '18446744073709551616', '-9223372036854775809', '2.2250738585072011e-308']);
      case 9: return String(r.int(2 ** 53) * (r.chance(0.5) ? 1 : -1));
      case 10: return `${r.int(10)}.${'0'.repeat(r.int(30))}${r.int(10)}e${r.int(20) - 10}`;
      default: return String(r.next());
    }
  }

  function string(max = 12) {
    let s = '"';
    const n = r.chance(0.01) ? r.int(2000) : r.int(max);
    const mode = r.int(4); // 0 ascii only, 1 with escapes, 2 with non-ASCII, 3 everything
    for (let i = 0; i < n; i++) {
      const roll = r.next();
      if (mode >= 1 && roll < 0.15) s += r.pick(ESCAPES);
      else if (mode >= 2 && roll < 0.35) s += r.pick(CHARS);
      else s += String.fromCharCode(0x20 + r.int(95)).replace(/["\\]/, 'q');
    }
    return `${s}"`;
  }

  function key() {
    return r.chance(0.7) ? `"${r.pick(KEYS)}"` : string(8);
  }

  function value(depth) {
    const roll = r.int(depth > 6 ? 6 : 10);
    switch (roll) {
      case 0: case 1: return number();
      case 2: case 3: return string();
      case 4: return r.pick(['true', 'false', 'null']);
      case 5: return r.chance(0.5) ? '[]' : '{}';
      case 6: case 7: {
        const n = r.int(8);
        const items = [];
        for (let i = 0; i < n; i++) items.push(ws() + value(depth + 1) + ws());
        return `[${items.join(',')}]`;
      }
      default: {
        const n = r.int(8);
        const items = [];
        for (let i = 0; i < n; i++) items.push(`${ws()}${key()}${ws()}:${ws()}${value(depth + 1)}${ws()}`);
        return `{${items.join(',')}}`;
      }
    }
  }

  /** Many objects, mostly of a few shapes with keys in varying order: the shape caches' worst case. */
  function records() {
    const shapes = Array.from({ length: 1 + r.int(4) }, () => Array.from({ length: 1 + r.int(6) }, () => key()));
    const n = 1 + r.int(r.chance(0.05) ? 600 : 40);
    const items = [];
    for (let i = 0; i < n; i++) {
      const keys = [...r.pick(shapes)];
      if (r.chance(0.2)) keys.reverse();
      if (r.chance(0.1)) keys.push(key());
      items.push(`{${keys.map((k) => `${k}:${r.chance(0.5) ? number() : value(5)}`).join(',')}}`);
    }
    return `[${items.join(',')}]`;
  }

  /** A fresh random document. */
  function doc() {
    const kind = r.int(10);
    const text = kind < 2 ? records() : kind < 3 ? number() : kind < 4 ? string(40) : value(0);
    return ws() + text + ws();
  }

  const INSERTS = ['"', '\\', ',', ':', ']', '}', '[', '{', '\u0000', '\u001f', '\ufeff', '\ud800', 'e', '-', '.', '0', ' ', '\u00a0',
    'tru', 'n', '/', "'", '\\u', '\\ud800', '1e999', '-0', '"__proto__":', '\n', '\u2028', 'é'];

  /** A mutation of `text`: byte flips, truncation, insertion, deletion or duplication. Returns a Buffer. */
  function mutate(text) {
    const buf = Buffer.from(text);
    const at = r.int(buf.length + 1);
    switch (r.int(6)) {
      case 0: {
        if (!buf.length) return Buffer.from(r.pick(INSERTS));
        const copy = Buffer.from(buf);
        copy[Math.min(at, copy.length - 1)] = r.chance(0.5) ? r.int(256) : copy[Math.min(at, copy.length - 1)] ^ (1 << r.int(8));
        return copy;
      }
      case 1: return buf.subarray(0, at);
      case 2: case 3: return Buffer.concat([buf.subarray(0, at), Buffer.from(r.pick(INSERTS)), buf.subarray(at)]);
      case 4: return Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + r.int(4)))]);
      default: {
        const end = Math.min(buf.length, at + r.int(20));
        return Buffer.concat([buf.subarray(0, end), buf.subarray(at, end), buf.subarray(end)]);
      }
    }
  }

  return { doc, mutate, rng: r };
}

module.exports = { prng, makeGenerator };
