'use strict';
// The route guard (src/json/guard.ts): every class the router sends native, directly or not, is
// timed against the builtin now and then and kept on the cheaper path. Deterministic: the clock
// is injected, and each path advances it by the cost the test gives that path.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROOT, cleanEnv } = require('./helpers');
const { mulberry32: rng } = require('../benchmarks/lib/random');

const { RouteGuard } = require(path.join(ROOT, 'dist', 'json', 'guard.js'));

/** A guard over one class whose paths cost `costs.native` / `costs.builtin` per unit (ms). */
function harness({ startNative, native = 1, builtin = 1, spikes } = {}) {
  let t = 0;
  const costs = { native, builtin };
  const guard = new RouteGuard({ classes: 1, now: () => t });
  const ran = [];
  const rand = spikes ? rng(spikes.seed) : null;
  const pause = () => (rand && rand() < spikes.every ? spikes.ms : 0);
  const nativePath = (x) => {
    t += costs.native * x.size + pause();
    ran.push('n');
    return { via: 'native', x };
  };
  const builtinPath = (x) => {
    t += costs.builtin * x.size + pause();
    ran.push('b');
    return { via: 'builtin', x };
  };
  const call = () => guard.run(0, 1000, { size: 1000 }, startNative, nativePath, builtinPath);
  const calls = (n) => {
    for (let i = 0; i < n; i++) call();
  };
  /** Calls until the class sits on `choice` (or `limit` calls pass); returns how many it took. */
  const until = (choice, limit = 1 << 18) => {
    let n = 0;
    while (guard.status(0).choice !== choice && n < limit) {
      call();
      n++;
    }
    return n;
  };
  return { guard, costs, ran, call, calls, until };
}

test('a class that starts native and is slower there moves to the builtin after its warm-up and measurement (48 calls)', () => {
  const h = harness({ startNative: true, native: 2, builtin: 1 });
  h.calls(16);
  assert.equal(h.ran.join(''), 'n'.repeat(16), 'warm-up on the starting path');
  assert.equal(h.guard.status(0).choice, 'native');
  const took = 16 + h.until('builtin', 100);
  assert.ok(took <= 48, `took ${took} calls`);
  const s = h.guard.status(0);
  assert.equal(s.choice, 'builtin');
  assert.ok(Math.abs(s.nativeNs / s.builtinNs - 2) < 1e-9, JSON.stringify(s));
  // From then on the builtin runs, but for the looks.
  h.ran.length = 0;
  h.calls(4096);
  const nativeShare = h.ran.filter((r) => r === 'n').length / h.ran.length;
  assert.ok(nativeShare > 0 && nativeShare <= 0.01, `native share ${nativeShare}`);
});

test('...and comes back when native becomes cheaper again, within two looks', () => {
  const h = harness({ startNative: true, native: 2, builtin: 1 });
  h.until('builtin');
  h.calls(1000);
  // Each look moves the estimate half way: from 2 to 0.5 takes two looks, the second one at most
  // 512 calls after the first (the loser is then within 25 %).
  const bound = h.guard.status(0).nextLookIn + 16 + 512 + 16;
  h.costs.native = 0.5;
  const took = h.until('native', 100000);
  assert.ok(took <= bound, `took ${took}, bound ${bound}`);
  assert.equal(h.guard.status(0).switches, 1);
});

test('a direct route that is fast stays native; the price of watching stays under half a percent whatever the ratio', () => {
  for (const ratio of [1.1, 2, 4, 16]) {
    const h = harness({ startNative: true, native: 1, builtin: ratio });
    h.calls(300000);
    const s = h.guard.status(0);
    assert.equal(s.choice, 'native', `ratio ${ratio}`);
    assert.ok(s.watchCostPct <= 0.5, `ratio ${ratio}: ${JSON.stringify(s)}`);
    // Measured, not just estimated: the builtin calls of the last 200,000 calls cost at most 0.6 %
    // over an all-native run.
    h.ran.length = 0;
    h.calls(200000);
    const builtinCalls = h.ran.filter((r) => r === 'b').length;
    const overhead = (builtinCalls * (ratio - 1)) / h.ran.length;
    assert.ok(overhead <= 0.006, `ratio ${ratio}: overhead ${(overhead * 100).toFixed(2)} %`);
  }
});

test('the same bound holds when the builtin wins by far (maps keyed by ids: native 16x slower)', () => {
  const h = harness({ startNative: true, native: 16, builtin: 1 });
  h.calls(300000);
  h.ran.length = 0;
  h.calls(200000);
  const nativeCalls = h.ran.filter((r) => r === 'n').length;
  assert.ok((nativeCalls * 15) / h.ran.length <= 0.006, `native calls ${nativeCalls}`);
  assert.ok(h.guard.status(0).watchCostPct <= 0.5);
});

test('an undecided class (other text) goes native only when native is at least 10 % cheaper', () => {
  const close = harness({ startNative: false, native: 0.95, builtin: 1 });
  close.calls(5000);
  assert.equal(close.guard.status(0).choice, 'builtin');
  const clear = harness({ startNative: false, native: 0.8, builtin: 1 });
  clear.calls(48);
  assert.equal(clear.guard.status(0).choice, 'native');
});

test('a class whose traffic turns slow natively is caught by the tripwire before its long interval ends', () => {
  const h = harness({ startNative: true, native: 1, builtin: 3 });
  h.calls(5000);
  assert.ok(h.guard.status(0).nextLookIn > 1000 || h.guard.status(0).choice === 'native');
  const interval = h.guard.status(0).nextLookIn;
  h.costs.native = 10;
  const took = h.until('builtin', 100000);
  // Three sampled calls in a row (one in 16), then a look of 16 calls.
  assert.ok(took <= 3 * 16 + 16 + 16, `took ${took} (the interval was ${interval})`);
});

test('GC-like pauses in single calls do not flip a clear decision (20 seeds)', () => {
  let wrong = 0;
  for (let seed = 1; seed <= 20; seed++) {
    // A 5 ms pause in one call out of 25, on both paths; native costs 0.8 of the builtin (~1 ms).
    const h = harness({ startNative: true, native: 0.0008, builtin: 0.001, spikes: { seed, every: 1 / 25, ms: 5 } });
    h.calls(20000);
    if (h.guard.status(0).choice !== 'native') wrong++;
  }
  assert.ok(wrong === 0, `${wrong} of 20 seeds ended on the builtin`);
});

test('the guard returns whatever the chosen path returns, and exceptions pass through untouched', () => {
  const h = harness({ startNative: true, native: 2, builtin: 1 });
  const seen = new Set();
  for (let i = 0; i < 200; i++) seen.add(h.call().via);
  assert.deepEqual([...seen].sort(), ['builtin', 'native']);
  const guard = new RouteGuard({ classes: 1 });
  const boom = new SyntaxError('x');
  for (let i = 0; i < 100; i++) {
    assert.throws(() => guard.run(0, 10, 'x', true, () => { throw boom; }, () => { throw boom; }), (e) => e === boom);
  }
  // Calls that throw (invalid documents) at the end of a measurement or a look never leave the
  // class without a decision: every call throws here, yet looks keep coming at their interval.
  assert.ok(guard.status(0).nextLookIn > 0 && guard.status(0).nextLookIn <= 256, JSON.stringify(guard.status(0)));
});

test('a class whose every 8th call throws still decides, and decides right', () => {
  let t = 0;
  const guard = new RouteGuard({ classes: 1, now: () => t });
  let k = 0;
  const maybeThrow = () => {
    if (++k % 8 === 0) throw new SyntaxError('bad body');
  };
  const nativePath = () => { t += 2; maybeThrow(); return 'n'; };
  const builtinPath = () => { t += 1; maybeThrow(); return 'b'; };
  for (let i = 0; i < 2000; i++) {
    try {
      guard.run(0, 1, null, true, nativePath, builtinPath);
    } catch (e) {
      assert.equal(e.message, 'bad body');
    }
  }
  const s = guard.status(0);
  assert.equal(s.choice, 'builtin', JSON.stringify(s));
  assert.ok(s.nextLookIn > 0, JSON.stringify(s));
});

// The router itself, with the guard's clock driven by which path ran (the router's counters).
const ab = require(ROOT);
const skipNative = !ab.status().native.loaded && 'native addon not built';

function routerWithCosts(costs) {
  const { setGuardClock } = require(path.join(ROOT, 'dist', 'patches', 'json.js'));
  ab.uninstall();
  ab.install({ json: true, timers: false, gc: false, weak: false, log: 'silent', env: cleanEnv() });
  let t = 0;
  let last = { native: 0, builtin: 0, fallbacks: 0 };
  setGuardClock(() => {
    const c = ab.status().json.counts;
    if (c.native > last.native) t += costs.native;
    else if (c.builtin > last.builtin || c.fallbacks > last.fallbacks) t += costs.builtin;
    last = { ...c };
    return t;
  });
  return () => setGuardClock(undefined);
}

const digitDoc = (i) => JSON.stringify(Array.from({ length: 600 }, (_, k) => (k * 7 + i) % 1000));
const asciiDoc = (i) => JSON.stringify({ items: Array.from({ length: 40 }, (_, k) => ({ name: `item ${k} of ${i}`, tag: 'alpha bravo charlie' })) });

for (const [rule, make] of [['digits', digitDoc], ['ascii', asciiDoc]]) {
  test(`router: a direct route (${rule}) that measures slower natively goes to the builtin within 48 calls, comes back when fast, and results never change`, { skip: skipNative }, () => {
    const costs = { native: 2, builtin: 1 };
    const restore = routerWithCosts(costs);
    try {
      const builtin = require(path.join(ROOT, 'dist', 'json', 'builtin.js')).builtinParse;
      let i = 0;
      const check = () => {
        const text = make(i++);
        assert.ok(text.length >= 2048);
        assert.deepStrictEqual(JSON.parse(text), builtin(text));
      };
      for (let k = 0; k < 48; k++) check();
      let cls = ab.status().json.classes.find((c) => c.rule === rule);
      assert.ok(cls, JSON.stringify(ab.status().json.classes));
      assert.equal(cls.startedNative, true);
      assert.equal(cls.choice, 'builtin');
      const before = ab.status().json.counts;
      for (let k = 0; k < 200; k++) check();
      const after = ab.status().json.counts;
      assert.ok(after.native - before.native <= 16, `native calls while demoted: ${after.native - before.native}`);
      costs.native = 0.5;
      const bound = cls.nextLookIn + 16 + 512 + 16;
      let n = 0;
      while (ab.status().json.classes.find((c) => c.rule === rule).choice !== 'native' && n < bound) {
        check();
        n++;
      }
      cls = ab.status().json.classes.find((c) => c.rule === rule);
      assert.equal(cls.choice, 'native', `after ${n} calls`);
    } finally {
      restore();
      ab.uninstall();
    }
  });
}
