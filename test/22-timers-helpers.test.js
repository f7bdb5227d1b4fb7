'use strict';
// The waiting helpers, used without the register: waitFor, Condition, Event (latch), sleep.
// Every outcome (resolved, aborted, timed out, predicate threw) must leave the sources with the
// listener counts they had before.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const { ROOT } = require('./helpers');
const { timers } = require(ROOT);
const { waitFor, Condition, Event, sleep } = timers;

const tick = () => new Promise((r) => setImmediate(r));

test('waitFor resolves with the predicate value, re-checking only when a source fires', async () => {
  const bus = new EventEmitter();
  let ready = 0;
  let checks = 0;
  const p = waitFor(() => (checks++, ready >= 2 && `ready=${ready}`), { on: [bus, 'tick'] });
  assert.equal(checks, 1, 'checked once at the start');
  await sleep(30);
  assert.equal(checks, 1, 'no re-check without an event: nothing polls');
  ready = 1;
  bus.emit('tick');
  ready = 2;
  bus.emit('other');
  await tick();
  assert.equal(checks, 2, "only 'tick' triggers a check");
  bus.emit('tick');
  assert.equal(await p, 'ready=2');
  assert.equal(bus.listenerCount('tick'), 0);
});

test('waitFor resolves at once when the predicate is already true, adding no listener', async () => {
  const bus = new EventEmitter();
  assert.equal(await waitFor(() => 42, { on: [bus, 'x'] }), 42);
  assert.equal(bus.listenerCount('x'), 0);
});

test('waitFor on an EventTarget, a Condition and an Event at once', async () => {
  const target = new EventTarget();
  const cond = new Condition();
  const latch = new Event();
  let value = false;
  const sources = [[target, 'ping'], cond, latch];
  for (const trigger of [() => target.dispatchEvent(new globalThis.Event('ping')), () => cond.notifyAll(), () => latch.set()]) {
    value = false;
    latch.clear();
    const p = waitFor(() => value, { on: sources });
    value = 'yes';
    trigger();
    assert.equal(await p, 'yes');
    assert.equal(cond.waiting, 0, 'no waiter left on the condition');
    assert.equal(latch.waiting, 0, 'no waiter left on the latch');
  }
  // EventTarget has no public listener count: prove removal by dispatching after the waits.
  let calls = 0;
  const p = waitFor(() => (calls++, false), { on: [target, 'ping'], timeout: 20 }).catch((e) => e.name);
  assert.equal(await p, 'TimeoutError');
  const before = calls;
  target.dispatchEvent(new globalThis.Event('ping'));
  assert.equal(calls, before, 'the timed-out wait no longer listens');
});

test('waitFor rejects with AbortError (signal) and TimeoutError (timeout) DOMExceptions and removes its listeners', async () => {
  const bus = new EventEmitter();
  const baseline = bus.listenerCount('change');
  const ac = new AbortController();
  const aborted = waitFor(() => false, { on: [bus, 'change'], signal: ac.signal });
  assert.equal(bus.listenerCount('change'), baseline + 1);
  ac.abort(new Error('shutting down'));
  await assert.rejects(aborted, (e) => e instanceof DOMException && e.name === 'AbortError' && e.cause.message === 'shutting down');
  assert.equal(bus.listenerCount('change'), baseline);

  await assert.rejects(waitFor(() => false, { on: [bus, 'change'], timeout: 10 }), (e) => e instanceof DOMException && e.name === 'TimeoutError');
  assert.equal(bus.listenerCount('change'), baseline);

  const pre = new AbortController();
  pre.abort();
  await assert.rejects(waitFor(() => false, { on: [bus, 'change'], signal: pre.signal }), { name: 'AbortError' });
  assert.equal(bus.listenerCount('change'), baseline);

  // The abort listener it put on the signal goes too: aborting later reaches no stale waiter.
  const ac2 = new AbortController();
  let armed = true;
  const ok = waitFor(() => !armed, { on: [bus, 'change'], signal: ac2.signal, timeout: 5000 });
  armed = false;
  bus.emit('change');
  assert.equal(await ok, true);
  ac2.abort();
  assert.equal(bus.listenerCount('change'), baseline);
});

test('a predicate that throws rejects the wait with that error and cleans up', async () => {
  const bus = new EventEmitter();
  let n = 0;
  const p = waitFor(() => {
    if (n++ > 0) throw new RangeError('bad state');
    return false;
  }, { on: [bus, 'e'] });
  bus.emit('e');
  await assert.rejects(p, RangeError);
  assert.equal(bus.listenerCount('e'), 0);
});

test('many concurrent waiters on one emitter all resolve and leave no listener', async () => {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let count = 0;
  const waits = Array.from({ length: 2000 }, (_, i) => waitFor(() => count > i % 100 && { i, count }, { on: [bus, 'inc'] }));
  assert.equal(bus.listenerCount('inc'), 2000);
  for (let i = 0; i < 100; i++) {
    count++;
    bus.emit('inc');
  }
  const results = await Promise.all(waits);
  // Each resolved on the first event after which its predicate held: count === (i % 100) + 1.
  assert.deepEqual(results, Array.from({ length: 2000 }, (_, i) => ({ i, count: (i % 100) + 1 })));
  assert.equal(bus.listenerCount('inc'), 0);
});

test('Condition: notify wakes one waiter in FIFO order, notifyAll the rest; wait times out with false', async () => {
  const cond = new Condition();
  const order = [];
  const waits = [1, 2, 3].map((id) => cond.wait().then((v) => order.push([id, v])));
  assert.equal(cond.waiting, 3);
  assert.equal(cond.notify(), 1);
  await tick();
  assert.deepEqual(order, [[1, true]]);
  assert.equal(cond.notifyAll(), 2);
  await Promise.all(waits);
  assert.deepEqual(order, [[1, true], [2, true], [3, true]]);
  assert.equal(await cond.wait({ timeout: 10 }), false);
  assert.equal(cond.waiting, 0);
  assert.equal(cond.notify(), 0, 'a notification with nobody waiting is not stored');
  const ac = new AbortController();
  const w = cond.wait({ signal: ac.signal });
  ac.abort();
  await assert.rejects(w, { name: 'AbortError' });
  assert.equal(cond.waiting, 0);
});

test('Event latch: set wakes every waiter, stays set until cleared, wait times out with false', async () => {
  const latch = new Event();
  assert.equal(latch.isSet(), false);
  const waits = Array.from({ length: 500 }, () => latch.wait());
  assert.equal(latch.waiting, 500);
  latch.set();
  assert.deepEqual(new Set(await Promise.all(waits)), new Set([true]));
  assert.equal(latch.waiting, 0);
  assert.equal(await latch.wait(), true, 'already set: resolves at once');
  latch.clear();
  assert.equal(await latch.wait({ timeout: 10 }), false);
  assert.equal(latch.waiting, 0);
});

test('sleep resolves after the delay and is cancelable', async () => {
  const t0 = performance.now();
  await sleep(20);
  assert.ok(performance.now() - t0 >= 19, 'never early');
  const ac = new AbortController();
  const p = sleep(60_000, { signal: ac.signal });
  ac.abort('stop');
  await assert.rejects(p, (e) => e.name === 'AbortError' && e.cause === 'stop');
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(sleep(10, { signal: pre.signal }), { name: 'AbortError' });
});

test('bad arguments throw TypeError/RangeError naming the parameter', () => {
  assert.throws(() => waitFor('nope', { on: [new EventEmitter(), 'x'] }), { name: 'TypeError', message: /waitFor predicate/ });
  assert.throws(() => waitFor(() => true, {}), { name: 'TypeError', message: /waitFor options\.on/ });
  assert.throws(() => waitFor(() => true, { on: [] }), { name: 'TypeError', message: /at least one source/ });
  assert.throws(() => waitFor(() => true, { on: [{}, 'x'] }), { name: 'TypeError', message: /waitFor options\.on/ });
  assert.throws(() => waitFor(() => true, { on: new Condition(), timeout: -1 }), { name: 'RangeError', message: /timeout/ });
  assert.throws(() => sleep('10'), { name: 'TypeError', message: /sleep ms/ });
  assert.throws(() => sleep(10, { signal: {} }), { name: 'TypeError', message: /signal/ });
  assert.throws(() => new Condition().wait({ timeout: 'soon' }), { name: 'TypeError' });
});
