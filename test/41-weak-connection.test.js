'use strict';
// The Connection example from the Python article, in Node: a connection registers its own method
// on a long-lived emitter. With plain `on` the emitter keeps every connection alive; with onWeak
// the connections are collected and their listeners removed. Garbage collection is forced through
// afterburner.memory.forceGC (with --expose-gc, or its run-time fallback).
const test = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter, getEventListeners, setMaxListeners } = require('node:events');
const { weak, memory } = require('..');

const COUNT = 1000;

class Connection {
  constructor(bus, mode) {
    this.buffer = new Array(64).fill(0);
    this.received = 0;
    if (mode === 'plain') bus.on('data', this.onData.bind(this));
    else if (mode === 'weak') weak.onWeak(bus, 'data', this, 'onData');
    else if (mode === 'target') weak.onWeak(bus, 'data', this, 'onEvent');
  }
  onData(chunk) {
    this.received += chunk;
  }
  onEvent() {
    this.received++;
  }
}

// Created in a separate function so no local of the test keeps a connection alive.
function openAndDrop(bus, mode, count) {
  const refs = [];
  for (let i = 0; i < count; i++) refs.push(new WeakRef(new Connection(bus, mode)));
  return refs;
}

const aliveCount = (refs) => refs.reduce((n, r) => n + (r.deref() === undefined ? 0 : 1), 0);

test('plain on(): 1,000 dropped connections stay alive and the emitter holds 1,000 more listeners', async () => {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  bus.on('data', () => {}); // a long-lived listener of the bus's own: the baseline
  const baseline = bus.listenerCount('data');
  const refs = openAndDrop(bus, 'plain', COUNT);
  bus.emit('data', 1);
  await memory.forceGC({ rounds: 3 });
  assert.equal(aliveCount(refs), COUNT, 'every connection is still reachable from the bus');
  assert.equal(bus.listenerCount('data'), baseline + COUNT);
  bus.removeAllListeners('data');
});

test('onWeak(): after GC the dropped connections are collected and the listener count returns to its baseline', async () => {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  bus.on('data', () => {});
  const baseline = bus.listenerCount('data');
  const before = weak.weakListenerStats();
  const refs = openAndDrop(bus, 'weak', COUNT);
  assert.equal(bus.listenerCount('data'), baseline + COUNT, 'registered');
  bus.emit('data', 1);
  await memory.forceGC({ rounds: 12, until: () => bus.listenerCount('data') === baseline && aliveCount(refs) === 0 });
  assert.equal(aliveCount(refs), 0, 'every connection was collected');
  assert.equal(bus.listenerCount('data'), baseline, 'and every weak listener was removed from the bus');
  const after = weak.weakListenerStats();
  assert.equal(after.registered - before.registered, COUNT);
  assert.equal(after.live, before.live);
  assert.ok(after.autoRemoved - before.autoRemoved > 0, 'removed by the finalizer (or at the next emit)');
});

test('onWeak() on an EventTarget: collected connections leave no listener behind', async () => {
  const target = new EventTarget();
  setMaxListeners(0, target);
  const refs = openAndDrop(target, 'target', 200);
  assert.equal(getEventListeners(target, 'data').length, 200);
  target.dispatchEvent(new Event('data'));
  await memory.forceGC({ rounds: 12, until: () => getEventListeners(target, 'data').length === 0 && aliveCount(refs) === 0 });
  assert.equal(aliveCount(refs), 0);
  assert.equal(getEventListeners(target, 'data').length, 0);
});

test('a live connection keeps receiving: the weak listener forwards arguments with this = target', () => {
  const bus = new EventEmitter();
  const conn = new Connection(bus, 'weak');
  bus.emit('data', 5);
  bus.emit('data', 7);
  assert.equal(conn.received, 12);
  const seen = [];
  const fnTarget = { name: 't' };
  weak.onWeak(bus, 'other', fnTarget, function (a, b) {
    seen.push([this, a, b]);
  });
  bus.emit('other', 1, 2);
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], fnTarget);
  assert.deepEqual(seen[0].slice(1), [1, 2]);
});

const calls = [];
function recordCall(...args) {
  calls.push({ self: this.tag, args });
  return 'result';
}

function handlerForDroppedTarget() {
  const target = { tag: 'dropped' };
  const handler = weak.weakHandler(target, recordCall);
  assert.equal(handler(1), 'result', 'works while the target is alive');
  return { handler, ref: new WeakRef(target) };
}

test('weakHandler after the target was collected is a no-op', async () => {
  calls.length = 0;
  const { handler, ref } = handlerForDroppedTarget();
  await memory.forceGC({ rounds: 8, until: () => ref.deref() === undefined });
  assert.equal(ref.deref(), undefined, 'the handler did not keep its target alive');
  assert.equal(handler(2), undefined);
  assert.deepEqual(calls, [{ self: 'dropped', args: [1] }], 'only the call made while alive reached the method');
});

test('weakHandler by method name looks the method up at call time', () => {
  const target = {
    n: 0,
    bump(by) {
      this.n += by;
      return this.n;
    },
  };
  const handler = weak.weakHandler(target, 'bump');
  assert.equal(handler(2), 2);
  target.bump = function (by) {
    this.n -= by;
    return this.n;
  };
  assert.equal(handler(1), 1);
});

test('once, prepend and unsubscribe', () => {
  const bus = new EventEmitter();
  const order = [];
  const a = { hit: (x) => order.push(`a${x}`) };
  const b = { hit: (x) => order.push(`b${x}`) };
  const c = { hit: (x) => order.push(`c${x}`) };
  const before = weak.weakListenerStats().live;
  weak.onWeak(bus, 'e', a, 'hit');
  weak.onWeak(bus, 'e', b, 'hit', { prepend: true });
  weak.onWeak(bus, 'e', c, 'hit', { once: true, prepend: true });
  assert.equal(weak.weakListenerStats().live, before + 3);
  bus.emit('e', 1);
  bus.emit('e', 2);
  assert.deepEqual(order, ['c1', 'b1', 'a1', 'b2', 'a2']);
  assert.equal(weak.weakListenerStats().live, before + 2, 'the once registration is finished after it fired');
  const d = { hit: (x) => order.push(`d${x}`) };
  const off = weak.onWeak(bus, 'e', d, 'hit');
  assert.equal(off(), true);
  assert.equal(off(), false, 'a second unsubscribe does nothing');
  assert.equal(bus.listenerCount('e'), 2);
  bus.removeAllListeners();
});

test('an AbortSignal removes the listener; an already aborted one registers nothing', () => {
  const bus = new EventEmitter();
  const got = [];
  const owner = { on: (x) => got.push(x) };
  const controller = new AbortController();
  weak.onWeak(bus, 'x', owner, 'on', { signal: controller.signal });
  bus.emit('x', 1);
  controller.abort();
  bus.emit('x', 2);
  assert.deepEqual(got, [1]);
  assert.equal(bus.listenerCount('x'), 0);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'its abort listener is gone too');

  const off = weak.onWeak(bus, 'x', owner, 'on', { signal: AbortSignal.abort() });
  assert.equal(bus.listenerCount('x'), 0);
  assert.equal(off(), false);

  const target = new EventTarget();
  const c2 = new AbortController();
  weak.onWeak(target, 'x', owner, function () {
    this.on('t');
  }, { signal: c2.signal, once: true });
  assert.equal(getEventListeners(target, 'x').length, 1);
  c2.abort();
  assert.equal(getEventListeners(target, 'x').length, 0);
});

function registerOnShortLivedSource(owner) {
  const source = new EventEmitter();
  weak.onWeak(source, 'x', owner, 'on');
  return new WeakRef(source);
}

test('a source that dies before its target drops its bookkeeping (nothing grows with short-lived sources)', async () => {
  const owner = { on() {} };
  // Earlier tests' registrations whose owners are now garbage settle first, so `live` moves only
  // because of this test's sources.
  await memory.forceGC({ rounds: 3 });
  const before = weak.weakListenerStats().live;
  const refs = [];
  for (let i = 0; i < 50; i++) refs.push(registerOnShortLivedSource(owner));
  assert.equal(weak.weakListenerStats().live, before + 50);
  await memory.forceGC({ rounds: 12, until: () => weak.weakListenerStats().live === before });
  assert.equal(aliveCount(refs), 0, 'the registrations did not keep the sources alive');
  assert.equal(weak.weakListenerStats().live, before);
  assert.ok(owner);
});

test('bad arguments throw TypeErrors that name the parameter', () => {
  const bus = new EventEmitter();
  const owner = { m() {} };
  assert.throws(() => weak.onWeak({}, 'x', owner, 'm'), { name: 'TypeError', message: /for source but received object Object/ });
  assert.throws(() => weak.onWeak(bus, 'x', null, 'm'), { name: 'TypeError', message: /for target but received null/ });
  assert.throws(() => weak.onWeak(bus, 'x', owner, 'missing'), { name: 'TypeError', message: /for method/ });
  assert.throws(() => weak.onWeak(bus, 'x', owner, 'm', { once: 'yes' }), { name: 'TypeError', message: /options\.once/ });
  assert.throws(() => weak.onWeak(bus, 'x', owner, 'm', { signal: {} }), { name: 'TypeError', message: /options\.signal/ });
  assert.throws(() => weak.onWeak(new EventTarget(), 'x', owner, 'm', { prepend: true }), { name: 'TypeError', message: /options\.prepend/ });
  assert.throws(() => weak.weakHandler(42, 'm'), { name: 'TypeError', message: /for target but received number 42/ });
  assert.throws(() => weak.weakHandler(owner, 3), { name: 'TypeError', message: /for method/ });
  assert.equal(bus.listenerCount('x'), 0, 'nothing was registered by a rejected call');
});

class ThrowingEmitter extends EventEmitter {
  removeListener() {
    throw new Error('this emitter refuses removals');
  }
}

function registerDroppedOwner(source) {
  weak.onWeak(source, 'x', { on() {} }, 'on');
}

test('a source whose removeListener throws: the finalizer logs one warning instead of crashing the process', async () => {
  const { setLogSink } = require('../dist/core/log.js');
  const lines = [];
  setLogSink((line) => lines.push(line));
  try {
    await memory.forceGC({ rounds: 3 });
    const before = weak.weakListenerStats().live;
    const source = new ThrowingEmitter();
    registerDroppedOwner(source);
    registerDroppedOwner(source);
    await memory.forceGC({ rounds: 12, until: () => weak.weakListenerStats().live === before });
    assert.equal(weak.weakListenerStats().live, before, 'bookkeeping finished anyway');
    assert.deepEqual(lines, ['afterburner warning: a weak listener could not be removed from its source: this emitter refuses removals']);
    assert.equal(source.listenerCount('x'), 2, 'the listeners it refused to drop are still there (and do nothing)');
  } finally {
    setLogSink((line) => process.stderr.write(line + '\n'));
  }
});

function openKeepingEveryThird(bus, target, count) {
  const kept = [];
  const refs = [];
  for (let i = 0; i < count; i++) {
    const c = new Connection(bus, 'weak');
    weak.onWeak(target, 'data', c, 'onEvent');
    refs.push(new WeakRef(c));
    if (i % 3 === 0) kept.push(c);
  }
  return { kept, refs };
}

test('owners dying together, interleaved with survivors, on an emitter and an EventTarget: exactly the dead ones are removed', async () => {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const target = new EventTarget();
  setMaxListeners(0, target);
  const { kept, refs } = openKeepingEveryThird(bus, target, 300);
  await memory.forceGC({ rounds: 12, until: () => bus.listenerCount('data') === 100 && getEventListeners(target, 'data').length === 100 });
  assert.equal(aliveCount(refs), 100);
  assert.equal(bus.listenerCount('data'), 100);
  assert.equal(getEventListeners(target, 'data').length, 100);
  bus.emit('data', 2);
  target.dispatchEvent(new Event('data'));
  assert.deepEqual(new Set(kept.map((c) => c.received)), new Set([3]), 'every survivor got both events once');
});
