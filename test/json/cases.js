'use strict';
// Hand-picked inputs where a native JSON parser is most likely to differ from V8's JSON.parse.
// Expected results are never written here: every case is compared against the builtin.

const b = (...bytes) => Buffer.from(bytes.flat());
const utf8 = (s) => [...Buffer.from(s)];

const negativeZero = ['-0', '[-0]', '{"a":-0}', '-0.0', '-0e5', '-0E-5', '-0e+0', '[-0.0e+0]', '0', '-0.000', '[[[-0]]]',
  '{"a":{"b":[1,-0,0,-0.0]}}', '[0,-0,0.0,-0.0,0e0,-0e0]', '-0e-1000', '-0e1000', '-0.0000000000000000000000000001e-400',
  '[' + Array(100).fill('-0').join(',') + ']', '{"x":-0,"y":0}'];

const numbers = [
  '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '9007199254740995',
  '18446744073709551615', '18446744073709551616', '18446744073709551617', '-18446744073709551617',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '123456789012345678901234567890', '-123456789012345678901234567890', '1' + '0'.repeat(400), '-' + '9'.repeat(330),
  '1e400', '-1e400', '1e-400', '-1e-400', '[1e400,-1e400,1e-400]', '1e309', '1e308', '1.7976931348623157e308',
  '1.7976931348623158e308', '1.7976931348623159e308', '-1.7976931348623157e308', '5e-324', '4e-324', '3e-324',
  '2.4703282292062328e-324', '2.4703282292062327e-324', '2.2250738585072011e-308', '2.2250738585072014e-308',
  '0.1', '0.2', '0.30000000000000004', '1E2', '1e+2', '1e-2', '1.0', '1.50', '100000000000000000000000',
  '0.' + '0'.repeat(400) + '1', '3.14159265358979323846264338327950288419716939937510582097494459',
  '0.1000000000000000055511151231257827021181583404541015625', '1e0000000000000000000001', '0e1000',
  '123e-10000000', '123123e100000', '1.5e+9999', '[123.456e-789]', '0.4e00669999999999999999999999999999999',
  '7.0e-10', '12345678901234567.0', '1234567890123456789012345678901234567890e-30', '4.9406564584124654e-324',
  '2e-323', '1.2345678901234567e+21', '1e21', '1e-7', '123456789e-5', '-1', '-1.5', '1.7e+3', '[1,2.5,-3e2,4E-2]',
  // Invalid numbers: the builtin's messages decide.
  '01', '-', '1.', '.1', '+1', '1e', '1e+', '1e-', '0x10', 'NaN', 'Infinity', '-Infinity', '1_000', '--1', '-01',
  '00', '1.e5', '1.2.3', '1e5e5', '[1,]', '[01]', '[-]', '1 2', '- 1', '[.5]', '[1.]', '2.', '-0x0',
];

const surrogates = [
  '"\\ud800"', '"\\udc00"', '"\\ud800\\udc00"', '"\\udc00\\ud800"', '"\\ud800\\ud800"', '"a\\ud800b"', '"\\ud83d\\ude00"',
  '{"\\ud800":1}', '["\\uDBFF\\uDFFF"]', '"\\ud800\\u0041"', '"\\ud800x"', '"\\uD800\\uDBFF\\uDC00"', '"\\uDFFF"',
  '"x\\ud800"', '["\\ud800","\\udc00","\\ud800\\udc00"]', '{"a\\udc00b":"\\ud800"}', '"\\uD83D"', '"\\uDE00\\uD83D"',
  // Raw lone surrogates inside a JS string (not escapes): the builtin keeps them.
  '"\ud800"', '"\udc00"', '"a\ud800\udc00b"', '{"\udfff":"\ud800"}', '"\udc00\ud800"',
];

const strings = [
  '"😀"', '"é"', '"中文"', '"ÿ"', '"\u0080\u00ff\u0100\u07ff\u0800\uffff"', '["ab\u00e9", "\u4e2d", "😀😀"]',
  '"\\u0000"', '"\\u001f"', '"\\u001F"', '"\\u007f"', '"\\u00e9"', '"\\uFFFF"', '"\\uFFFE"', '"\\uFEFF"', '"\\u0041"',
  '"\\uABCD"', '"\\uabcd"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\/"', '{"\\n":"\\t","\\u0061":1}', '"a\\\\b"',
  '"\u007f"', '"\u0080\u009f"', '"\u2028\u2029"', '"\ufeff"', '["\\u0000\\u0001\\u0002"]',
  // Invalid escapes and raw control characters.
  '"\\a"', '"\\x41"', '"\\\'"', '"\\0"', '"\\u12"', '"\\u12g4"', '"\\U0041"', '"\\"', '"\\\n"', '"\\u"', '"\\uD800\\u"',
  '"\\ud800\\"', '"abc', '"abc\\', 'abc"', "'abc'", '"\\ ', '"\\u00"', '{"a\\x":1}',
  ...Array.from({ length: 32 }, (_, c) => `"a${String.fromCharCode(c)}b"`),
  ...Array.from({ length: 32 }, (_, c) => `{"k${String.fromCharCode(c)}":1}`),
];

const literals = ['true', 'false', 'null', '[true,false,null]', 'tru', 'nul', 'True', 'nulll', 'truefalse', 'undefined',
  '[true ,false, null ]', 'fals', 'nan', 'null,', '{"a":true}', '{"a":tru}'];

const whitespace = [' \t\n\r1 \t\n\r', '\u00a01', '\u000b1', '\u000c1', '\u20281', '\u20291', '1\u0000', '\u00001', '[1,\n2]',
  '{ "a" : 1 , "b" : [ ] }', '\n', ' ', '', '\r\n[\r\n]\r\n', '\t{\t}\t', '[ ]', '{ }', ' [ 1 , 2 ] ', '1 ', ' 1',
  '[1\u00a0]', '[1,\u30002]', '\u0085[]', '[\u0009]', '  "a"  ', '"a" "b"', '{}{}', '[][]', '1\n\n\n', '\r'];

const structure = ['[]', '{}', '[[]]', '[{}]', '{"a":{}}', '[1,[2,[3,[4]]]]', '{"a":[{"b":[{"c":null}]}]}', '[', ']',
  '{', '}', '[1', '{"a"', '{"a":', '{"a":1', '{"a" 1}', '{a:1}', '{"a":1,}', '[1,,2]', '[,1]', '{,}', '{"a":1 "b":2}',
  '[1 2]', '{"a":1}}', '[1]]', '[}', '{]', ':', ',', '"a":1', '{"a"::1}', '{1:1}', '{null:1}', '{"a":1,"b"}', '[[[]', '[[]]]'];

// Integer-like keys first in ascending order, the rest in insertion order: V8's own rule.
const propertyOrder = [
  '{"2":1,"1":2,"b":3,"a":4,"4294967294":5,"4294967295":6,"-1":7,"01":8}',
  '{"b":1,"2":1,"a":1,"1":1,"4294967295":1,"4294967294":1,"-1":1,"01":1,"1.5":1,"0":1,"":1," ":1,"1e3":1,"9007199254740993":1}',
  '{"10":1,"9":2,"100":3,"1":4,"0":5,"00":6,"+1":7,"4294967296":8,"NaN":9,"Infinity":10,"-0":11}',
  '[{"a":1,"b":2},{"b":1,"a":2},{"a":1},{"a":1,"b":2,"c":3},{"1":1,"a":2},{"a":2,"1":1},{},{"b":1,"a":2}]',
  '[{"x":1,"y":2},{"x":3,"y":4},{"x":5,"y":6},{"y":7,"x":8},{"x":9,"y":10,"z":11},{"x":12}]',
  '{"z":1,"y":2,"x":3,"w":4,"v":5,"u":6,"t":7,"s":8,"r":9,"q":10,"p":11,"o":12,"n":13,"m":14}',
  JSON.stringify(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${(i * 7919) % 2000}`, i]))),
  '{' + Array.from({ length: 300 }, (_, i) => `"${(i * 37) % 300}":${i}`).join(',') + '}',
  '[' + Array.from({ length: 200 }, (_, i) => (i % 2 ? '{"a":1,"b":2}' : '{"b":1,"a":2}')).join(',') + ']',
];

// Last value wins, at the position of the first occurrence.
const duplicates = ['{"a":1,"b":2,"a":3}', '{"1":1,"0":2,"1":3}', '{"a":1,"a":{"x":1},"a":[2]}', '[{"a":1,"a":2},{"a":1,"a":2}]',
  '{"a":1,"\\u0061":2}', '{"a":{"b":1},"a":{"c":2}}', '{"b":0,"a":1,"b":2,"c":3,"a":4}', '{"x":1,"x":2,"x":3,"x":4,"x":5}',
  '[{"a":1,"b":2},{"a":3,"b":4,"a":5}]', '{"a":1,"A":2}', '{"é":1,"\\u00e9":2}', '{"":1,"":2}',
  '{' + Array.from({ length: 1100 }, (_, i) => `"k${i % 37}":${i}`).join(',') + '}'];

// Own data property "__proto__", never a prototype change (and never pollution).
const proto = ['{"__proto__":{"polluted":true}}', '{"__proto__":null}', '{"__proto__":[]}', '{"__proto__":1,"a":2}',
  '{"a":{"__proto__":{"x":1}}}', '[{"__proto__":{"y":1}}]', '{"__proto__":1,"__proto__":2}', '{"__\\u0070roto__":{"z":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}', '{"prototype":{"polluted":1}}', '{"__proto__":{"__proto__":{"deep":1}}}',
  '[{"a":1},{"__proto__":{"a":2}},{"a":3}]', '{"__defineGetter__":1,"hasOwnProperty":2,"toString":3,"valueOf":4}'];

/** Buffers the builtin only sees through toString(): invalid UTF-8 becomes U+FFFD, a BOM stays U+FEFF. */
const buffers = [
  b(0x22, 0xff, 0x22), b(0x22, 0xc3, 0x22), b(0x22, 0xc0, 0xaf, 0x22), b(0x22, 0xe0, 0x80, 0x80, 0x22),
  b(0x22, 0xf4, 0x90, 0x80, 0x80, 0x22), b(0x22, 0xf8, 0x88, 0x80, 0x80, 0x80, 0x22), b(0x22, 0x80, 0x22),
  b(0x22, 0xed, 0xa0, 0x80, 0x22), b(0x22, 0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80, 0x22), b(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d),
  b(utf8('[1]'), 0xff), b(0xff, utf8('[1]')), b(utf8('["a'), 0xf0, 0x9f, 0x98), b(utf8('["'), 0xf0, 0x9f, 0x98, utf8('"]')),
  b(utf8('"'), 0xe4, 0xb8, utf8('"')), b(utf8('[1,'), 0xc2), b(0xfe, 0xff), b(0xc0, 0x80), b(utf8('{"a":"'), 0xfe, utf8('"}')),
  b(utf8('"ok '), 0xc3, 0xa9, 0xe4, 0xb8, 0xad, 0xf0, 0x9f, 0x98, 0x80, utf8('"')),
  // Byte-order marks: the builtin rejects U+FEFF before a value.
  b(0xef, 0xbb, 0xbf, utf8('1')), b(0xef, 0xbb, 0xbf, utf8('{}')), b(0xef, 0xbb, 0xbf, utf8('{"a":[1,2]}')), b(0xef, 0xbb, 0xbf),
  b(utf8('['), 0xef, 0xbb, 0xbf, utf8('1]')), b(utf8('"'), 0xef, 0xbb, 0xbf, utf8('"')), b(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, utf8('1')),
  b(0xef, 0xbb, utf8('1')), b(0xfe, 0xff, 0x00, 0x31), b(0xff, 0xfe, 0x31, 0x00), b(utf8('1'), 0xef, 0xbb, 0xbf),
  b(0x00), b(utf8('1'), 0x00), b(utf8('"a'), 0x00, utf8('b"')), b(utf8('['), 0x00, utf8(']')), Buffer.alloc(0),
];

const bom = ['\ufeff1', '\ufeff{}', '\ufeff', '[\ufeff1]', ' \ufeff1', '"\ufeff"', '1\ufeff', '\ufeff\ufeff[]', '\ufeff "a"'];

function nested(depth, open, close, inner = '1') {
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** Depths around simdjson's default limit (1024) and a few powers of two, arrays, objects and both. */
function nearLimit() {
  const out = [];
  for (const d of [1, 2, 63, 64, 65, 127, 128, 255, 256, 511, 512, 1000, 1022, 1023, 1024, 1025, 1026, 1030, 2047, 2048, 2049, 4096, 65536]) {
    out.push({ name: `[]×${d}`, text: nested(d, '[', ']', '') });
    out.push({ name: `{"a":}×${d}`, text: nested(d, '{"a":', '}', '-0') });
    out.push({ name: `[{"a":}]×${d}`, text: nested(d, '[{"a":', '}]', '[1,{"b":[]}]') });
    out.push({ name: `unbalanced []×${d}`, text: '['.repeat(d) + ']'.repeat(d - 1) });
  }
  return out;
}

module.exports = {
  negativeZero, numbers, surrogates, strings, literals, whitespace, structure, propertyOrder, duplicates, proto,
  buffers, bom, nested, nearLimit,
};
