'use strict';
// Request bodies both framework tests send, to the framework's own parser and to the integration:
// valid documents of every size class, invalid JSON, prototype keys in every spelling, empty and
// whitespace bodies, byte-order marks, invalid UTF-8, deep nesting, numbers and strings at the edges.
const fs = require('node:fs');
const path = require('node:path');

const corpus = path.join(path.dirname(require.resolve('simdjson/package.json')), 'jsonexamples');
const twitter = JSON.parse(fs.readFileSync(path.join(corpus, 'twitter.json'), 'utf8'));
const events = JSON.parse(fs.readFileSync(path.join(corpus, 'github_events.json'), 'utf8'));

const page = JSON.stringify({ statuses: twitter.statuses.slice(0, 15), search_metadata: twitter.search_metadata });
const order = JSON.stringify({ orderRef: 'ord-1', items: Array.from({ length: 300 }, (_, i) => ({ sku: `SKU-${i}`, name: `item ${i} Zürich 東京`, quantity: 1 + (i % 5), unitPrice: i * 1.25, tags: ['a', 'b'] })) });
const nested = (depth) => '['.repeat(depth) + ']'.repeat(depth);
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

const BODIES = [
  ['timeline page (67 KB, non-ASCII)', page],
  ['tweet', JSON.stringify(twitter.statuses[1])],
  ['github event', JSON.stringify(events[10])],
  ['order with 300 items', order],
  ['ping', '{"source":"app","events":[{"type":"click","ts":1767225600000}]}'],
  ['array at top', '[1, 2, {"a": [true, false, null]}]'],
  ['a string', '"just a string"'],
  ['a number', '42'],
  ['null', 'null'],
  ['whitespace around', ' \n\t {"a": 1} \r\n '],
  ['numbers at the edges', '{"neg0": -0, "big": 18446744073709551616, "huge": 1e400, "tiny": 5e-324, "exp": 1.5E+3, "frac": [0.1, 0.2, 0.30000000000000004], "int": 9007199254740993}'],
  ['strings at the edges', '{"lone": "\\ud800", "pair": "\\ud83d\\ude00", "raw": "Zürich 東京 😀", "esc": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000", "2": "b", "1": "a", "dup": 1, "dup": 2}'],
  ['deep nesting (5,000 levels)', nested(5000)],
  ['large document with a deep end', `{"statuses": ${JSON.stringify(twitter.statuses.slice(0, 3))}, "deep": ${nested(2000)}}`],
  ['invalid: truncated', page.slice(0, -3)],
  ['invalid: bad token', '{"a": tru}'],
  ['invalid: trailing comma', '{"a": [1, 2,]}'],
  ['invalid: single quotes', "{'a': 1}"],
  ['invalid: garbage after', '{"a": 1} x'],
  ['invalid: control character in a string', '{"a": "x\ty"}'],
  ['invalid UTF-8 in a string', bytes('{"a": "', [0xff, 0xfe, 0xc3], '", "b": 1}')],
  ['invalid UTF-8 in a large string', bytes('{"pad": "', 'x'.repeat(4000), '", "a": "', [0xed, 0xa0, 0x80], '"}')],
  ['UTF-8 split sequences', bytes('{"a": "', [0xe6, 0x9d, 0xb1], 'x', [0xe4], '"}')],
  ['byte-order mark', '\ufeff{"a": 1}'],
  ['byte-order mark, invalid', '\ufeff{"a": '],
  ['byte-order mark, large', `\ufeff${page}`],
  ['empty', ''],
  ['only whitespace', '   \n'],
  ['__proto__ key', '{"a": 1, "__proto__": {"polluted": true}}'],
  ['__proto__ key, nested', '{"a": {"b": [{"__proto__": {"x": 1}}]}}'],
  ['__proto__ key, escaped', '{"a": 1, "\\u005f_proto__": {"polluted": true}}'],
  ['__proto__ key, all escaped', '{"\\u005F\\u005F\\u0070\\u0072\\u006F\\u0074\\u006F\\u005F\\u005F": {"x": 1}}'],
  ['__proto__ key at the end of a large document', `${page.slice(0, -1)}, "__proto__": {"x": 1}}`],
  ['__proto__ in a string value only', '{"text": "__proto__ and constructor are words"}'],
  ['__proto__ after an escaped quote', '{"a\\"__proto__": 1}'],
  ['__proto__ with a non-object value', '{"__proto__": 1}'],
  ['constructor.prototype', '{"constructor": {"prototype": {"polluted": true}}}'],
  ['constructor.prototype, escaped', '{"\\u0063onstructor": {"prototype": {"x": 1}}}'],
  ['constructor without prototype', '{"constructor": {"name": "x"}}'],
  ['constructor null', '{"constructor": null}'],
  ['constructor.prototype, nested in a large document', `{"statuses": ${JSON.stringify(twitter.statuses.slice(0, 5))}, "meta": {"constructor": {"prototype": 1}}}`],
  ['\\u00 escapes of other letters', '{"t": "\\u00e9\\u003c\\u00FC", "\\u0061": 1}'],
];

function asBuffer(body) {
  return Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
}

/** A description of a parsed value that also shows what JSON.stringify hides: own __proto__ keys, prototypes, -0. */
function dump(value) {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(dump).join(',')}]`;
  const proto = Object.getPrototypeOf(value);
  const mark = proto === Object.prototype ? '' : proto === null ? '(null proto)' : '(other proto)';
  return `${mark}{${Object.getOwnPropertyNames(value).map((k) => `${JSON.stringify(k)}:${dump(Object.getOwnPropertyDescriptor(value, k).value)}`).join(',')}}`;
}

module.exports = { BODIES, asBuffer, dump, page };
