'use strict';
// json.parse / get / validate on the byte views a service can hold: views over detached
// (transferred) ArrayBuffers, over resizable ones shrunk under them or tracking their length,
// SharedArrayBuffer views, views at odd offsets that end exactly at the end of their buffer or
// just before bytes that would change the verdict. Each must give the outcome of
// JSON.parse(Buffer.from(u).toString()): a view with no bytes left is the empty text, the
// builtin's SyntaxError, and validate false.
const test = require('node:test');
const assert = require('node:assert/strict');
const { builtinParse, helpers, has, pointerGet, textOf, uninstall, installJson } = require('./json/subject');
const { outcome, diffOutcomes, describeError } = require('./json/compare');

test.after(() => uninstall());

const DOCS = ['{"a":[1,2,{"b":"é"}]}', '[1,2', '"x"', ''];
// json.parse sends byte inputs below its per-V8 threshold (at most 2048) to the builtin: padded
// copies (trailing spaces change nothing) reach the native path.
const PADDED = DOCS.map((d) => d + ' '.repeat(4096));

function detachByTransfer(buffer) {
  if (typeof buffer.transfer !== 'function') return false;
  buffer.transfer();
  return true;
}

function detachByStructuredClone(buffer) {
  structuredClone(buffer, { transfer: [buffer] });
  return true;
}

/** [name, make(bytes) -> Uint8Array | null] : every way to hand the same bytes over (null: not on this node). */
const VIEWS = [
  ['detached by ArrayBuffer#transfer', (b) => {
    const buffer = new ArrayBuffer(b.length + 3);
    const u = new Uint8Array(buffer, 3, b.length);
    u.set(b);
    return detachByTransfer(buffer) ? u : null;
  }],
  ['detached by structuredClone(…, { transfer })', (b) => {
    const buffer = new ArrayBuffer(b.length);
    const u = new Uint8Array(buffer);
    u.set(b);
    return detachByStructuredClone(buffer) && u;
  }],
  ['detached Buffer', (b) => {
    const u = Buffer.allocUnsafeSlow(b.length);
    b.copy(u);
    return detachByStructuredClone(u.buffer) && u;
  }],
  ['resizable ArrayBuffer shrunk under a fixed-length view', (b) => {
    const buffer = new ArrayBuffer(b.length + 5, { maxByteLength: b.length + 64 });
    if (typeof buffer.resize !== 'function') return null;
    const u = new Uint8Array(buffer, 5, b.length);
    u.set(b);
    buffer.resize(5 + (b.length >> 1));
    return u;
  }],
  ['length-tracking view over a grown resizable ArrayBuffer', (b) => {
    const buffer = new ArrayBuffer(b.length + 1, { maxByteLength: b.length + 64 });
    if (typeof buffer.resize !== 'function') return null;
    const u = new Uint8Array(buffer, 1);
    u.set(b);
    buffer.resize(b.length + 33);
    u.fill(0x20, b.length);
    return u;
  }],
  ['SharedArrayBuffer view at an odd offset, ending at its end', (b) => {
    const u = new Uint8Array(new SharedArrayBuffer(b.length + 7), 7, b.length);
    u.set(b);
    return u;
  }],
  ['view at an odd offset ending at the end of its ArrayBuffer', (b) => {
    const u = new Uint8Array(new ArrayBuffer(b.length + 13), 13, b.length);
    u.set(b);
    return u;
  }],
  ['view followed by bytes that are not JSON', (b) => {
    const whole = new Uint8Array(b.length + 9).fill(0x22);
    const u = whole.subarray(1, 1 + b.length);
    u.set(b);
    return u;
  }],
  ['zero-length view of a live buffer', () => new Uint8Array(new ArrayBuffer(16), 8, 0)],
];

function expectedOf(u) {
  return outcome(() => builtinParse(textOf(u)));
}

for (const [name, make] of VIEWS) {
  test(`json helpers on a ${name}: the outcome of JSON.parse(Buffer.from(u).toString())`, (t) => {
    installJson();
    if (!has.parse || !has.validate || !has.get) return t.skip('json helpers not exported');
    let ran = 0;
    for (const text of [...DOCS, ...PADDED]) {
      const u = make(Buffer.from(text));
      if (u === null) return t.skip(`not on Node ${process.versions.node}`);
      ran++;
      const label = `${JSON.stringify(text.slice(0, 24))} (${text.length} bytes)`;
      const expected = expectedOf(u);
      // What the issue names the oracle, where Node's Buffer.from accepts the view (24+ for detached ones).
      const literal = outcome(() => builtinParse(Buffer.from(u).toString()));
      if (literal.ok || !(literal.error instanceof TypeError)) assert.equal(diffOutcomes(literal, expected), null, `${label}: textOf is Buffer.from(u).toString()`);
      if (u.length === 0) assert.ok(!expected.ok && expected.error instanceof SyntaxError, `${label}: a view with no bytes is the empty text`);

      const parsed = outcome(() => helpers.parse(u));
      assert.equal(diffOutcomes(parsed, expected), null, `${label}: json.parse ${parsed.ok ? 'returned' : `threw ${describeError(parsed.error)}`}`);
      assert.equal(helpers.validate(u), expected.ok, `${label}: json.validate`);
      for (const pointer of ['', '/a', '/a/2/b', '/0']) {
        const got = outcome(() => helpers.get(u, pointer));
        const want = expected.ok ? outcome(() => pointerGet(expected.value, pointer)) : expected;
        const d = diffOutcomes(got, want);
        // On an invalid document get may throw its own SyntaxError message; the type must match.
        const sameKind = !expected.ok && !got.ok && got.error.constructor === SyntaxError;
        assert.ok(d === null || sameKind, `${label}: json.get(u, ${JSON.stringify(pointer)}) ${d}`);
      }
    }
    assert.ok(ran > 0);
  });
}
