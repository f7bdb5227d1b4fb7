'use strict';
// The programmatic API: install()/uninstall()/status() for services that prefer code to flags.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, ROOT } = require('./helpers');

// Every builtin a patch may replace, per patch. uninstall() must put back the very same objects.
const TARGETS = `
  const fs = require('node:fs');
  const EventEmitter = require('node:events');
  const targets = () => ({
    json: [JSON.parse],
    timers: [fs.watchFile, fs.unwatchFile, globalThis.setTimeout, globalThis.setInterval],
    weak: [EventEmitter.prototype.onWeak, globalThis.EventTarget && EventTarget.prototype.addWeakListener],
    gc: [],
  });
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
`;

test('install() then uninstall() restores every patched builtin by identity', () => {
  const code = `${TARGETS}
    const ab = require(${JSON.stringify(ROOT)});
    const before = targets();
    const installed = ab.install();
    const during = targets();
    const changedByActive = Object.keys(before).filter((k) => installed[k].active && before[k].length)
      .map((k) => [k, !same(before[k], during[k])]);
    const untouchedInactive = Object.keys(before).filter((k) => !installed[k].active)
      .every((k) => same(before[k], during[k]));
    const removed = ab.uninstall();
    const after = targets();
    console.log(JSON.stringify({
      changedByActive, untouchedInactive,
      restored: Object.keys(before).every((k) => same(before[k], after[k])),
      installed: installed.installed, removedInstalled: removed.installed,
      activeAfter: Object.keys(before).filter((k) => removed[k].active),
    }));`;
  const { status, stderr, json } = runNode(code, { preload: 'none' });
  assert.equal(status, 0, stderr);
  assert.equal(json.installed, true);
  for (const [name, changed] of json.changedByActive) assert.ok(changed, `${name} is active, so it replaced something`);
  assert.ok(json.untouchedInactive, 'inactive patches touch nothing');
  assert.ok(json.restored, 'identities restored');
  assert.equal(json.removedInstalled, false);
  assert.deepEqual(json.activeAfter, []);
});

test('install() options override the environment; install() after uninstall() works again', () => {
  const code = `
    const ab = require(${JSON.stringify(ROOT)});
    const a = ab.install({ json: false, weak: false });
    ab.uninstall();
    const b = ab.install({ timers: false });
    console.log(JSON.stringify({ a, b }));`;
  const { status, stderr, json } = runNode(code, { preload: 'none', env: { AFTERBURNER_TIMERS: 'on', AFTERBURNER_JSON: 'on' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.a.json.reason, 'disabled by install() options');
  assert.equal(json.a.weak.reason, 'disabled by install() options');
  assert.equal(json.b.installed, true);
  assert.equal(json.b.timers.reason, 'disabled by install() options');
  assert.notEqual(json.b.json.reason, 'disabled by install() options');
});

test('status() is a plain JSON-serialisable object with one entry per patch and the native state', () => {
  const code = `const s = require(${JSON.stringify(ROOT)}).status();
    console.log(JSON.stringify({ proto: Object.getPrototypeOf(s) === Object.prototype, s, roundTrip: JSON.stringify(JSON.parse(JSON.stringify(s))) === JSON.stringify(s) }));`;
  const { status, json, stderr } = runNode(code);
  assert.equal(status, 0, stderr);
  assert.ok(json.proto);
  assert.ok(json.roundTrip);
  assert.deepEqual(Object.keys(json.s).sort(), ['frameworks', 'gc', 'installed', 'json', 'native', 'timers', 'weak']);
  for (const name of ['json', 'timers', 'gc', 'weak', 'frameworks']) {
    assert.equal(typeof json.s[name].active, 'boolean');
    if (!json.s[name].active) assert.equal(typeof json.s[name].reason, 'string', `${name} says why it is inactive`);
  }
});

test('a patch whose install throws is reported inactive with a warning; the others still install', () => {
  // Break the json patch's environment on purpose: make JSON non-writable so replacing parse fails.
  const code = `
    Object.defineProperty(JSON, 'parse', { value: JSON.parse, writable: false, configurable: false });
    const s = require(${JSON.stringify(ROOT)}).install();
    console.log(JSON.stringify(s));`;
  const { status, json, stderr } = runNode(code, { preload: 'none' });
  assert.equal(status, 0, stderr);
  assert.equal(json.installed, true);
  assert.equal(json.json.active, false);
});

test('each namespace exports its helpers and nothing else (internals stay reachable only from dist/)', () => {
  const ab = require(ROOT);
  const surface = Object.fromEntries(['json', 'timers', 'gc', 'weak', 'memory'].map((ns) => [ns, Object.keys(ab[ns]).sort()]));
  assert.deepEqual(surface, {
    json: ['get', 'nativeAvailable', 'parse', 'validate'],
    timers: ['Condition', 'Event', 'alignedExpiry', 'report', 'reportEnabled', 'sleep', 'waitFor'],
    gc: ['PROFILES', 'envLines', 'memory', 'plan', 'setFlag', 'stats'],
    weak: ['IterableWeakSet', 'WeakValueMap', 'onWeak', 'proxy', 'weakHandler', 'weakListenerStats'],
    memory: ['backrefsDot', 'byType', 'count', 'expectCollected', 'forceGC', 'gcMode', 'growth', 'leaks', 'mostCommonTypes', 'refsDot', 'render', 'resetGrowth', 'retainerChain', 'toDot'],
  });
  assert.deepEqual(Object.keys(ab).sort(), ['gc', 'install', 'json', 'memory', 'status', 'timers', 'uninstall', 'weak']);
});
