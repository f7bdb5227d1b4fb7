'use strict';
// The two halves together: the leak diagnostics see the leak a plain listener makes, and see no
// strong path at all from the emitter to an owner registered with onWeak (whatever the options).
const test = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const { weak, memory } = require('..');

const bus = new EventEmitter(); // long-lived: module level
const target = new EventTarget();
const controller = new AbortController();

class Connection {
  onData() {}
}

test('a plain bound listener: retainerChain shows the path from the emitter through bound_this', async () => {
  const conn = new Connection();
  bus.on('plain', conn.onData.bind(conn));
  const chain = await memory.retainerChain(conn);
  assert.equal(chain.found, true);
  const edges = chain.edges.map((e) => e.name);
  assert.ok(edges.includes('_events'), edges.join(' > '));
  assert.equal(edges.at(-1), 'bound_this');
  assert.equal(chain.nodes.at(-2).type, 'closure');
  bus.removeAllListeners('plain');
});

test('onWeak with every option: no strong path from any source to the owner', async () => {
  const conn = new Connection();
  weak.onWeak(bus, 'a', conn, 'onData');
  weak.onWeak(bus, 'b', conn, 'onData', { once: true, prepend: true });
  weak.onWeak(bus, 'c', conn, function () {}, { signal: controller.signal });
  weak.onWeak(target, 'd', conn, 'onData', { once: true, capture: true, signal: controller.signal });
  bus.emit('a');
  target.dispatchEvent(new Event('x'));
  // A WeakRef created or dereferenced in this job keeps its target until the job ends (V8's
  // weak_refs_keep_during_job root, which retainerChain does show): let the job end first.
  await new Promise((resolve) => setImmediate(resolve));
  const chain = await memory.retainerChain(conn);
  assert.equal(chain.found, false, chain.edges.map((e) => `${e.type}:${e.name}`).join(' > '));
  assert.equal(bus.listenerCount('a') + bus.listenerCount('b') + bus.listenerCount('c'), 3, 'still registered');
});
