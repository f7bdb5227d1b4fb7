'use strict';
// objgraph's show_most_common_types and show_growth, from V8 heap snapshots.
const test = require('node:test');
const assert = require('node:assert/strict');
const { memory } = require('..');

class GrowingThing {
  constructor(i) {
    this.i = i;
  }
}
class StableThing {}

const growing = [];
const stable = Array.from({ length: 300 }, () => new StableThing());

function checkTiming(snapshot) {
  assert.ok(snapshot.snapshotMs > 0 && snapshot.parseMs > 0, 'reports how long the snapshot and the reading took');
  assert.ok(snapshot.bytes > 100000 && snapshot.nodes > 1000 && snapshot.edges > snapshot.nodes);
}

test('mostCommonTypes counts live instances by constructor name', async () => {
  const many = Array.from({ length: 30000 }, (_, i) => new GrowingThing(i));
  const { types, snapshot } = await memory.mostCommonTypes(3);
  checkTiming(snapshot);
  assert.equal(types.length, 3);
  const entry = types.find((t) => t.type === 'GrowingThing');
  assert.ok(entry, `GrowingThing among the 3 most common: ${JSON.stringify(types)}`);
  assert.equal(entry.count, 30000);
  assert.ok(entry.selfSize >= 30000 * 12, 'self sizes are summed');
  for (let i = 1; i < types.length; i++) assert.ok(types[i - 1].count >= types[i].count, 'sorted by count');
  assert.equal(many.length, 30000);
});

test('mostCommonTypes hides V8 internals unless asked', async () => {
  const plain = (await memory.mostCommonTypes(50)).types.map((t) => t.type);
  assert.ok(!plain.some((t) => t.startsWith('(') || t.startsWith('system /')), plain.join(', '));
  const all = (await memory.mostCommonTypes(50, { internal: true })).types.map((t) => t.type);
  assert.ok(all.includes('(string)') && all.includes('(code)'), all.join(', '));
});

test('growth reports the deliberately growing class with its exact gain, and not the stable one', async () => {
  memory.resetGrowth();
  const first = await memory.growth(100);
  assert.ok(first.types.some((t) => t.type === 'StableThing' && t.delta === 300), 'the first call compares with zero');
  for (let round = 1; round <= 2; round++) {
    for (let i = 0; i < 4000; i++) growing.push(new GrowingThing(i));
    const { types, snapshot } = await memory.growth(5);
    checkTiming(snapshot);
    assert.equal(types[0].type, 'GrowingThing', JSON.stringify(types));
    assert.equal(types[0].delta, 4000);
    assert.equal(types[0].count, 4000 * round);
    assert.ok(!types.some((t) => t.type === 'StableThing'));
  }
  assert.equal(stable.length, 300);
});

test('bad limits are RangeErrors', async () => {
  await assert.rejects(memory.mostCommonTypes(0), { name: 'RangeError', message: /for limit/ });
  await assert.rejects(memory.growth(1.5), { name: 'RangeError' });
  await assert.rejects(memory.mostCommonTypes(5, 'x'), { name: 'TypeError', message: /for options/ });
});
