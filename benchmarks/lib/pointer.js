'use strict';
// The one RFC 6901 (JSON Pointer) walk over a parsed value: the reference json.get is tested
// against, and the parse-then-access baseline json.get is measured against.

/** The unescaped reference tokens of a pointer ('' is the whole document). */
function tokensOf(pointer) {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The value at `pointer` in `doc`, or undefined when there is none. Array indexes are canonical
 * ("0", "12", not "01" or "-"); object members are own properties. TypeError for a string that is
 * not a JSON Pointer: one not starting with '/', or a '~' not followed by 0 or 1.
 */
function pointerGet(doc, pointer) {
  if (pointer === '') return doc;
  if (pointer[0] !== '/') throw new TypeError(`not a JSON Pointer: ${pointer}`);
  if (/~(?![01])/.test(pointer)) throw new TypeError(`malformed JSON Pointer: ${pointer}`);
  let cur = doc;
  for (const token of tokensOf(pointer)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      const index = Number(token);
      if (index >= cur.length) return undefined;
      cur = cur[index];
    } else if (cur !== null && typeof cur === 'object') {
      if (!Object.prototype.hasOwnProperty.call(cur, token)) return undefined;
      cur = cur[token];
    } else {
      return undefined;
    }
  }
  return cur;
}

module.exports = { tokensOf, pointerGet };
