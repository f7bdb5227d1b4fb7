'use strict';
// Revivers observe a lot: the call order, `this` (the holder), the holder's state at each call
// (so deletions and forward mutations show), every argument including V8's source-text context
// (Node 22+), and what the final result looks like. A recorder turns all of that into plain data
// that compare.js can diff against a run of the builtin.

/**
 * Returns { reviver, log } for a behaviour `kind`. The log lists one record per call:
 * [key, value (primitives as-is, objects as their own keys), holder index (identity of `this`,
 * numbered by first appearance), holder's own keys at call time, arguments.length, context].
 */
function recorder(kind) {
  const log = [];
  const holders = [];
  const snap = (v) => (v !== null && typeof v === 'object' ? (Array.isArray(v) ? { length: v.length } : { keys: Reflect.ownKeys(v) }) : v);
  const reviver = function (key, value) {
    let idx = holders.indexOf(this);
    if (idx < 0) idx = holders.push(this) - 1;
    const context = arguments.length > 2 ? arguments[2] : 'absent';
    const ctx = context !== null && typeof context === 'object'
      ? { keys: Reflect.ownKeys(context), source: context.source, proto: Object.getPrototypeOf(context) === Object.prototype }
      : context;
    // The holder's state at call time: all own keys for objects; for (possibly long) arrays the
    // length and whether this index is still there, which keeps the log linear in size.
    const state = Array.isArray(this) ? ['array', this.length, Object.prototype.hasOwnProperty.call(this, key)] : Reflect.ownKeys(this);
    log.push([key, snap(value), idx, state, arguments.length, ctx, typeof this]);
    switch (kind) {
      case 'identity':
        return value;
      case 'delete-odd':
        // Returning undefined deletes the property from the holder.
        return typeof value === 'number' && value % 2 ? undefined : value;
      case 'delete-key-b':
        return key === 'b' ? undefined : value;
      case 'mutate-forward':
        // Changes a sibling that has not been visited yet, and removes another one.
        if (this && typeof this === 'object' && key === 'a') {
          this.b = [7, -0, { z: 1 }];
          delete this.c;
          this.added = 'x';
        }
        if (Array.isArray(this) && key === '0') {
          this[1] = 'replaced';
          this.length = Math.min(this.length, 3);
        }
        return value;
      case 'replace':
        if (typeof value === 'number') return { n: value, neg: Object.is(value, -0) };
        if (typeof value === 'string') return value.length;
        return value;
      case 'wrap-root':
        return key === '' ? { root: value } : value;
      case 'return-this':
        return key === '' ? value : this;
      default:
        throw new Error(`unknown reviver kind ${kind}`);
    }
  };
  return { reviver, log };
}

const KINDS = ['identity', 'delete-odd', 'delete-key-b', 'mutate-forward', 'replace', 'wrap-root', 'return-this'];

const DOCS = [
  '1', '-0', '"s"', 'null', 'true', '[]', '{}', '[1,2,3]', '{"a":1,"b":2,"c":3}', '{"a":[1,2,{"b":3,"c":-0}],"b":{"c":[4,5]},"c":6}',
  '{"2":1,"1":2,"b":3,"a":4}', '[[1,2],[3,[4,[5]]],{"a":{"b":{"c":1}}}]', '{"__proto__":{"a":1},"a":2}',
  '[1.0, 1e400, -0.0, 12345678901234567890, "\\ud800", "\\u00e9x"]', '{"a":1,"a":2,"b":3}', '[true,false,null,"",0]',
  '{"n":[' + Array.from({ length: 50 }, (_, i) => i).join(',') + ']}',
];

module.exports = { recorder, KINDS, DOCS };
