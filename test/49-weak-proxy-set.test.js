'use strict';
// Python's weakref.proxy and weakref.WeakSet: weak.proxy and weak.IterableWeakSet.
const test = require('node:test');
const assert = require('node:assert/strict');
const { weak, memory } = require('..');
const { runNode, ROOT } = require('./helpers');

class Account {
  #balance = 0;
  constructor(owner) {
    this.owner = owner;
  }
  deposit(amount) {
    this.#balance += amount;
    return this.#balance;
  }
  get balance() {
    return this.#balance;
  }
}

// Built in a function of its own so no variable of the test keeps the target alive.
function proxied(makeTarget, callback) {
  const target = makeTarget();
  return weak.proxy(target, callback);
}

test('while the target lives, the proxy forwards gets, sets, calls, new, instanceof, in and keys', () => {
  const account = new Account('ada');
  const p = weak.proxy(account);
  assert.equal(p.owner, 'ada');
  assert.equal(p.deposit(5), 5, 'a method with private fields runs with this = the target');
  assert.equal(p.balance, 5, 'a getter with private fields too');
  assert.equal(account.balance, 5);
  p.owner = 'grace';
  assert.equal(account.owner, 'grace', 'sets reach the target');
  p.extra = 1;
  assert.equal(account.extra, 1);
  assert.ok(p instanceof Account);
  assert.ok('owner' in p && !('nope' in p));
  assert.deepEqual(Object.keys(p), ['owner', 'extra']);
  assert.equal(delete p.extra, true);
  assert.equal(account.extra, undefined);
  assert.equal(p.deposit, p.deposit, 'a method read twice is the same function');
  assert.notEqual(p, account);

  const map = new Map([['k', 1]]);
  const pm = weak.proxy(map);
  assert.equal(pm.get('k'), 1, 'builtins with internal slots work through the proxy');
  assert.equal(pm.size, 1);

  const add = (a, b) => a + b;
  const pf = weak.proxy(add);
  assert.equal(typeof pf, 'function');
  assert.equal(pf(2, 3), 5, 'calls are forwarded');
  const PA = weak.proxy(Account);
  const made = new PA('linus');
  assert.ok(made instanceof Account, 'new is forwarded');
  assert.equal(made.owner, 'linus');
  assert.match(require('node:util').inspect(p), /^\[weak\.proxy\] Account \{ owner: 'grace' \}$/);
  assert.throws(() => weak.proxy(42), { name: 'TypeError', message: /for target/ });
  assert.throws(() => weak.proxy({}, 'cb'), { name: 'TypeError', message: /for callback/ });
});

test('after the target is collected every operation throws a ReferenceError naming it', async () => {
  const p = proxied(() => new Account('gone'));
  const pm = proxied(() => new Map());
  const pf = proxied(() => function handleRequest() {});
  await memory.forceGC({ rounds: 8 });
  const named = (label) => ({ name: 'ReferenceError', message: new RegExp(`weakly-referenced object no longer exists: the ${label} behind this weak\\.proxy has been garbage-collected`) });
  assert.throws(() => p.owner, named('Account object'));
  assert.throws(() => {
    p.owner = 'x';
  }, named('Account object'));
  assert.throws(() => p.deposit(1), named('Account object'));
  assert.throws(() => p instanceof Account, named('Account object'));
  assert.throws(() => Object.keys(p), named('Account object'));
  assert.throws(() => 'owner' in p, named('Account object'));
  assert.throws(() => pm.get(1), named('Map object'));
  assert.throws(() => pf(), named('function handleRequest'));
  assert.match(require('node:util').inspect(p), /weak\.proxy: Account object, collected/);
});

test('a method read while alive and called after collection throws too (it holds only the WeakRef)', async () => {
  const p = proxied(() => new Account('later'));
  const deposit = p.deposit;
  await memory.forceGC({ rounds: 8 });
  assert.throws(() => deposit.call(p, 1), { name: 'ReferenceError' });
});

test('the callback gets the proxy once the target is collected, and not while it lives', async () => {
  const calls = [];
  let keepTarget = new Account('watched');
  const p = weak.proxy(keepTarget, (proxy) => calls.push(proxy));
  await memory.forceGC({ rounds: 4 });
  assert.deepEqual(calls, []);
  keepTarget = null;
  await memory.forceGC({ rounds: 8, until: () => calls.length > 0 });
  assert.equal(calls.length, 1);
  assert.equal(calls[0], p, 'called with the proxy itself, like weakref.proxy');
});

test('like Python, no callback once the proxy itself has been dropped', async () => {
  let calls = 0;
  let target = new Account('orphan');
  (() => {
    weak.proxy(target, () => calls++);
  })();
  await memory.forceGC({ rounds: 6 });
  target = null;
  await memory.forceGC({ rounds: 8 });
  assert.equal(calls, 0);
});

test('a callback that throws is logged and ignored, never an uncaught exception', () => {
  const code = `
    const { weak, memory } = require(${JSON.stringify(ROOT)});
    (() => { const p = weak.proxy({}, () => { throw new Error('boom in callback'); }); globalThis.keep = p; })();
    memory.forceGC({ rounds: 8 }).then(() => setTimeout(() => console.log(JSON.stringify({ alive: true })), 50));`;
  const { status, stderr, json } = runNode(code, { preload: 'none' });
  assert.equal(status, 0, stderr);
  assert.deepEqual(json, { alive: true });
  assert.match(stderr, /weak\.proxy callback threw \(ignored\): boom in callback/);
});

test('IterableWeakSet: a set that can be iterated and counted and holds its members weakly', async () => {
  const keep = [{ n: 1 }, { n: 2 }, { n: 3 }];
  const set = new weak.IterableWeakSet(keep);
  (() => {
    for (let i = 0; i < 50; i++) set.add({ temp: i });
  })();
  set.add(keep[0]);
  assert.equal(set.size, 53, 'adding a member twice keeps one');
  assert.ok(set.has(keep[1]));
  assert.ok(!set.has({ n: 1 }), 'membership is by identity');
  await memory.forceGC({ rounds: 8, until: () => set.size === 3 });
  assert.equal(set.size, 3, 'the collected members are gone');
  assert.deepEqual([...set], keep, 'live members, in insertion order');
  assert.deepEqual([...set.entries()].map(([a, b]) => a === b), [true, true, true]);
  const seen = [];
  set.forEach((v) => seen.push(v.n));
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(set.delete(keep[1]), true);
  assert.equal(set.delete(keep[1]), false);
  assert.deepEqual([...set].map((v) => v.n), [1, 3]);
  set.clear();
  assert.equal(set.size, 0);
  assert.ok(!set.has(keep[0]));
  set.add(keep[0]);
  assert.deepEqual([...set], [keep[0]]);
  assert.equal(Object.prototype.toString.call(set), '[object IterableWeakSet]');
  assert.throws(() => set.add(1), { name: 'TypeError', message: /for value/ });
  assert.equal(set.has(1), false);
});

test('IterableWeakSet does not keep its members alive (no strong path from the set)', async () => {
  const set = new weak.IterableWeakSet();
  class Member {}
  (() => {
    for (let i = 0; i < 20; i++) set.add(new Member());
  })();
  await memory.forceGC({ rounds: 8 });
  assert.equal(memory.count(Member), 0);
  assert.equal(set.size, 0);
});
