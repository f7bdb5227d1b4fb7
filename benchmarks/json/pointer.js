'use strict';
// The target of the json.get rows, shared by benchmarks/json/index.js and get-ab.js so both time
// the same lookup: the middle key or element, four levels down.

/** A pointer to a value in the middle of the document, plus the same path for simdjson@0.9.2 (or null). */
function pickPath(value) {
  let pointer = '';
  let keyPath = '';
  let cur = value;
  for (let depth = 0; depth < 4 && cur !== null && typeof cur === 'object'; depth++) {
    if (Array.isArray(cur)) {
      if (!cur.length) break;
      const i = cur.length >> 1;
      pointer += `/${i}`;
      if (keyPath !== null) keyPath += `[${i}]`;
      cur = cur[i];
    } else {
      const keys = Object.keys(cur);
      if (!keys.length) break;
      const k = keys[keys.length >> 1];
      pointer += `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      // simdjson@0.9.2's key paths cannot express every key: leave its column empty then.
      if (keyPath !== null) keyPath = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (keyPath ? `${keyPath}.${k}` : k) : null;
      cur = cur[k];
    }
  }
  return { pointer, keyPath };
}

// The value at a pointer in a parsed document: the parse-then-access baseline.
const { pointerGet: access } = require('../lib/pointer');

module.exports = { pickPath, access };
