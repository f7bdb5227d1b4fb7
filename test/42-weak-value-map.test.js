'use strict';
// WeakValueMap: Python's WeakValueDictionary. Values are held weakly; an entry vanishes once its
// value is collected, and nothing observable ever shows a dead entry.
const test = require('node:test');
const assert = require('node:assert/strict');
const { weak, memory } = require('..');
const { WeakValueMap } = weak;

test('behaves like a Map while its values are alive', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };
  const map = new WeakValueMap([['a', a]]);
  assert.equal(map.set('b', b), map, 'set returns the map');
  assert.equal(map.get('a'), a);
  assert.equal(map.has('b'), true);
  assert.equal(map.has('c'), false);
  assert.equal(map.size, 2);
  assert.deepEqual([...map], [['a', a], ['b', b]]);
  assert.deepEqual([...map.keys()], ['a', 'b']);
  assert.deepEqual([...map.values()], [a, b]);
  const seen = [];
  map.forEach((v, k, m) => seen.push([k, v, m]));
  assert.deepEqual(seen, [['a', a, map], ['b', b, map]]);
  assert.equal(map.delete('a'), true);
  assert.equal(map.delete('a'), false);
  assert.equal(map.size, 1);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(Object.prototype.toString.call(map), '[object WeakValueMap]');
});

test('rejects primitive values with a TypeError naming the parameter', () => {
  const map = new WeakValueMap();
  assert.throws(() => map.set('k', 42), { name: 'TypeError', message: /for value but received number 42/ });
  assert.throws(() => map.set('k', null), { name: 'TypeError', message: /received null/ });
});

function fill(map, count) {
  const kept = [];
  for (let i = 0; i < count; i++) {
    const value = { i, payload: new Array(16).fill(i) };
    map.set(`k${i}`, value);
    if (i % 2 === 0) kept.push(value);
  }
  return kept;
}

test('entries whose values were collected vanish from get, has, size and iteration', async () => {
  const map = new WeakValueMap();
  const kept = fill(map, 100);
  assert.equal(map.size, 100);
  await memory.forceGC({ rounds: 8, until: () => map.size === 50 });
  assert.equal(map.size, 50);
  assert.equal(map.get('k1'), undefined);
  assert.equal(map.has('k1'), false);
  assert.equal(map.get('k2'), kept[1]);
  assert.deepEqual([...map.keys()], kept.map((v) => `k${v.i}`));
  assert.deepEqual([...map.values()], kept);
});

function replaceSoonDead(map) {
  map.set('key', { old: true });
}

test('a finalizer for an overwritten value never deletes the newer entry under the same key', async () => {
  const map = new WeakValueMap();
  replaceSoonDead(map);
  const fresh = { fresh: true };
  // Overwrite while the old value is still alive (it dies only at the next collection).
  map.set('key', fresh);
  for (let i = 0; i < 20; i++) replaceSoonDead(new WeakValueMap());
  await memory.forceGC({ rounds: 4 });
  assert.equal(map.get('key'), fresh);
  assert.equal(map.size, 1);
});

function setAndDropThenReuseKey(map) {
  map.set('key', { first: true });
  map.delete('key');
}

test('delete then set again under the same key: the first value\'s death does not remove the second', async () => {
  const map = new WeakValueMap();
  setAndDropThenReuseKey(map);
  const second = { second: true };
  map.set('key', second);
  await memory.forceGC({ rounds: 4 });
  assert.equal(map.get('key'), second);
});

test('works as a cache: a value referenced elsewhere is shared, an unreferenced one is rebuilt', async () => {
  const cache = new WeakValueMap();
  let builds = 0;
  const load = (id) => {
    let v = cache.get(id);
    if (!v) {
      builds++;
      v = { id };
      cache.set(id, v);
    }
    return v;
  };
  const held = load('x');
  (() => load('y'))();
  assert.equal(load('x'), held);
  await memory.forceGC({ rounds: 8, until: () => !cache.has('y') });
  assert.equal(cache.has('y'), false);
  load('y');
  assert.equal(builds, 3, 'x built once, y built twice');
});
