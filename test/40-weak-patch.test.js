'use strict';
// The weak patch from the outside: what --require installs on the builtin prototypes, the switch,
// and uninstall putting back exactly what was there.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, ROOT } = require('./helpers');

const INSPECT = `
  const { EventEmitter } = require('node:events');
  const d = (o, k) => { const x = Object.getOwnPropertyDescriptor(o, k); return x && { type: typeof x.value, enumerable: x.enumerable, writable: x.writable, configurable: x.configurable }; };
  const e = new EventEmitter();
  const keys = []; for (const k in e) keys.push(k);
  console.log(JSON.stringify({
    emitter: d(EventEmitter.prototype, 'onWeak'),
    target: d(EventTarget.prototype, 'addWeakListener'),
    forIn: keys.includes('onWeak'),
    weak: require(${JSON.stringify(ROOT)}).status().weak,
  }));
`;

test('--require installs EventEmitter.prototype.onWeak and EventTarget.prototype.addWeakListener, non-enumerable', () => {
  const { status, json, stderr } = runNode(INSPECT, { preload: 'require' });
  assert.equal(status, 0, stderr);
  const expected = { type: 'function', enumerable: false, writable: true, configurable: true };
  assert.deepEqual(json.emitter, expected);
  assert.deepEqual(json.target, expected);
  assert.equal(json.forIn, false, 'for...in over an emitter does not see it');
  assert.equal(json.weak.active, true);
  assert.deepEqual(json.weak.installed, ['EventEmitter.prototype.onWeak', 'EventTarget.prototype.addWeakListener']);
  assert.deepEqual(json.weak.listeners, { registered: 0, live: 0, autoRemoved: 0 });
});

test('AFTERBURNER_WEAK=0 installs nothing; the standalone functions still work', () => {
  const code = `
    const { EventEmitter } = require('node:events');
    const { weak } = require(${JSON.stringify(ROOT)});
    const bus = new EventEmitter(); const owner = { n: 0, hit() { this.n++; } };
    weak.onWeak(bus, 'x', owner, 'hit'); bus.emit('x');
    console.log(JSON.stringify({ emitter: 'onWeak' in EventEmitter.prototype, target: 'addWeakListener' in EventTarget.prototype, n: owner.n }));
  `;
  const { status, json, stderr } = runNode(code, { preload: 'require', env: { AFTERBURNER_WEAK: '0' } });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json, { emitter: false, target: false, n: 1 });
});

test('uninstall deletes the conveniences, or restores a previous own property exactly', () => {
  const code = `
    const { EventEmitter } = require('node:events');
    const ab = require(${JSON.stringify(ROOT)});
    const mine = function onWeak() { return 'theirs'; };
    Object.defineProperty(EventEmitter.prototype, 'onWeak', { value: mine, enumerable: true, writable: false, configurable: true });
    const before = Object.getOwnPropertyDescriptor(EventEmitter.prototype, 'onWeak');
    ab.install({ log: 'silent' });
    const replaced = EventEmitter.prototype.onWeak !== mine && typeof new EventEmitter().onWeak('x', {}, () => {}) === 'function';
    ab.uninstall();
    const after = Object.getOwnPropertyDescriptor(EventEmitter.prototype, 'onWeak');
    console.log(JSON.stringify({
      replaced,
      restored: after.value === mine && after.enumerable === before.enumerable && after.writable === before.writable && after.configurable === before.configurable,
      targetGone: !Object.prototype.hasOwnProperty.call(EventTarget.prototype, 'addWeakListener'),
      status: ab.status().weak,
    }));
  `;
  const { status, json, stderr } = runNode(code, { preload: 'none' });
  assert.equal(status, 0, stderr);
  assert.equal(json.replaced, true);
  assert.equal(json.restored, true, 'same function, same attributes');
  assert.equal(json.targetGone, true);
  assert.equal(json.status.active, false);
});

test('the conveniences do what onWeak does: dropped owners are collected and their listeners removed', () => {
  const code = `
    const { EventEmitter, getEventListeners } = require('node:events');
    const { memory } = require(${JSON.stringify(ROOT)});
    const bus = new EventEmitter(); bus.setMaxListeners(0);
    const et = new EventTarget(); require('node:events').setMaxListeners(0, et);
    class Owner { hit() {} }
    function make() { const refs = []; for (let i = 0; i < 300; i++) { const o = new Owner(); bus.onWeak('x', o, 'hit'); et.addWeakListener('x', o, 'hit'); refs.push(new WeakRef(o)); } return refs; }
    const refs = make();
    const registered = [bus.listenerCount('x'), getEventListeners(et, 'x').length];
    memory.forceGC({ rounds: 12, until: () => bus.listenerCount('x') === 0 && getEventListeners(et, 'x').length === 0 }).then(() => {
      console.log(JSON.stringify({ registered, alive: refs.filter((r) => r.deref()).length, emitter: bus.listenerCount('x'), target: getEventListeners(et, 'x').length, mode: memory.gcMode() }));
    });
  `;
  const { status, json, stderr } = runNode(code, { preload: 'require', args: ['--expose-gc'] });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json.registered, [300, 300]);
  assert.equal(json.alive, 0);
  assert.equal(json.emitter, 0);
  assert.equal(json.target, 0);
  assert.equal(json.mode, 'expose-gc');
});
