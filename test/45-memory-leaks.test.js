'use strict';
// expectCollected + await leaks(): the gc.DEBUG_SAVEALL idea for a service's own test suite.
const test = require('node:test');
const assert = require('node:assert/strict');
const { memory } = require('..');
const { runNode, ROOT } = require('./helpers');

const retained = [];

function makeObjects() {
  const dropped = { kind: 'dropped' };
  const kept = { kind: 'kept' };
  retained.push(kept);
  memory.expectCollected(dropped, 'dropped request context');
  memory.expectCollected(kept, 'request context pushed to a global list');
  memory.expectCollected(() => dropped, 'a closure over it');
}

test('leaks() lists exactly the labels whose objects are still alive after forced collections', async () => {
  makeObjects();
  assert.deepEqual(await memory.leaks(), ['request context pushed to a global list']);
  assert.deepEqual(await memory.leaks(), [], 'each call consumes the expectations');
  retained.length = 0;
});

test('expectCollected rejects what cannot be held weakly', () => {
  assert.throws(() => memory.expectCollected('str', 'x'), { name: 'TypeError', message: /for obj/ });
  assert.throws(() => memory.expectCollected({}, 5), { name: 'TypeError', message: /for label/ });
});

const CHILD = `
  const vm = require('node:vm');
  const { memory } = require(${JSON.stringify(ROOT)});
  const keep = [];
  (function () {
    memory.expectCollected({}, 'gone');
    const k = {}; keep.push(k); memory.expectCollected(k, 'kept');
  })();
  memory.leaks().then((alive) => {
    console.log(JSON.stringify({ mode: memory.gcMode(), alive, globalGc: typeof globalThis.gc, newContextGc: vm.runInNewContext('typeof gc') }));
  });
`;

test('with --expose-gc, the global gc is used', () => {
  const { status, json, stderr } = runNode(CHILD, { preload: 'none', args: ['--expose-gc'] });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json, { mode: 'expose-gc', alive: ['kept'], globalGc: 'function', newContextGc: 'function' });
});

test(`without --expose-gc, v8.setFlagsFromString + a vm context provide gc on Node ${process.versions.node}, and the flag is switched off again`, () => {
  const { status, json, stderr } = runNode(CHILD, { preload: 'none' });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json, { mode: 'setFlagsFromString', alive: ['kept'], globalGc: 'undefined', newContextGc: 'undefined' });
});
