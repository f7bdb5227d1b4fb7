'use strict';
// Opt-in timer coalescing (AFTERBURNER_TIMER_SLACK_MS) and the polling report, from the outside:
// child processes started with --require afterburner/register. Where a bound is about *when* a
// timer is due, the test reads the expiry Node scheduled (the Timeout's own _idleStart +
// _idleTimeout, on Node's loop clock) rather than wall-clock lateness, which a busy machine skews.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, ROOT } = require('./helpers');

const SLACK = 50;

test('off by default: setTimeout/setInterval are the platform functions, report() is empty', () => {
  const res = runNode(`
    const timers = require('node:timers');
    const probe = require('node:child_process');
    console.log(JSON.stringify({
      same: globalThis.setTimeout === timers.setTimeout && setInterval === timers.setInterval && String(setTimeout).includes('[native code]') === false,
      name: setTimeout.name,
      status: require(${JSON.stringify(ROOT)}).status().timers,
      report: require(${JSON.stringify(ROOT)}).timers.report(),
    }));
  `, { env: { AFTERBURNER_LOG: 'silent' } });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.json.status.active, true);
  assert.equal(res.json.status.slackMs, null);
  assert.equal(res.json.status.report, false);
  assert.deepEqual(res.json.report, []);
  // Without slack or report nothing is hooked: the functions are Node's own (defined in node:timers).
  const plain = runNode(`const t = require('node:timers'); console.log(JSON.stringify({ src: setTimeout.toString().slice(0, 40), same: setTimeout === t.setTimeout }))`, { preload: 'none' });
  const patched = runNode(`const t = require('node:timers'); console.log(JSON.stringify({ src: setTimeout.toString().slice(0, 40), same: setTimeout === t.setTimeout }))`, { env: { AFTERBURNER_LOG: 'silent' } });
  assert.deepEqual(patched.json, plain.json);
});

test(`slack ${SLACK} ms: long timers are due on the grid, never earlier than asked and at most one slack later; short ones untouched`, () => {
  const res = runNode(`
    const rows = [];
    const noop = () => {};
    for (const d of [1, 10, 100, 250, 499, 500, 501, 537, 999, 1000, 4321, 60000]) {
      for (let k = 0; k < 5; k++) {
        const before = setTimeout(noop, 1); // short: never moved, so its _idleStart is the loop clock now
        const t = setTimeout(noop, d);
        const after = setTimeout(noop, 1);
        rows.push({ d, from: before._idleStart, to: after._idleStart, expiry: t._idleStart + t._idleTimeout, idle: t._idleTimeout });
        clearTimeout(before); clearTimeout(after); clearTimeout(t);
        const end = performance.now() + 0.4; while (performance.now() < end);
      }
    }
    console.log(JSON.stringify({ rows, status: require(${JSON.stringify(ROOT)}).status().timers }));
  `, { env: { AFTERBURNER_TIMER_SLACK_MS: String(SLACK), AFTERBURNER_LOG: 'silent' } });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.json.status.slackMs, SLACK);
  let moved = 0;
  for (const r of res.json.rows) {
    if (r.d < 10 * SLACK) {
      assert.equal(r.idle, r.d, `delay ${r.d} < 10 × slack keeps its duration`);
      continue;
    }
    assert.equal(r.expiry % SLACK, 0, `delay ${r.d}: due on the ${SLACK} ms grid`);
    assert.ok(r.expiry >= r.from + r.d, `delay ${r.d}: not earlier than requested`);
    assert.ok(r.expiry - (r.from + r.d) < SLACK + (r.to - r.from), `delay ${r.d}: added ${r.expiry - r.from - r.d} ms`);
    if (r.expiry !== r.from + r.d) moved++;
  }
  assert.ok(moved > 0);
});

test('timers spread over a second share wake-ups; equal and same-delay deadlines keep creation order', () => {
  const res = runNode(`
    // Pre-existing timer lists of nearby durations make Node's tie-break (list id) differ from creation order.
    const keep = []; for (let d = 600; d <= 720; d++) keep.push(setTimeout(() => {}, d));
    let turn = 0; const bump = () => { turn++; setImmediate(bump).unref(); }; bump();
    const turns = new Set();
    const order = [];
    const spin = (ms) => { const e = performance.now() + ms; while (performance.now() < e); };
    for (let i = 0; i < 60; i++) {
      setTimeout(() => { order.push(i); turns.add(turn); }, 690);
      setTimeout(() => { order.push(100 + i); turns.add(turn); }, 690); // equal deadline, created right after
      spin(0.15);
    }
    const spread = new Set();
    for (let i = 0; i < 200; i++) setTimeout(() => spread.add(turn), 1000 + Math.floor(Math.random() * 1000));
    setTimeout(() => {
      keep.forEach(clearTimeout);
      const pos = new Map(order.map((v, i) => [v, i]));
      const inversions = order.filter((v, i) => i > 0 && (v % 100) < (order[i - 1] % 100)).length;
      const pairs = Array.from({ length: 60 }, (_, i) => pos.get(i) < pos.get(100 + i)).every(Boolean);
      console.log(JSON.stringify({ n: order.length, inversions, pairs, turns: turns.size, spread: spread.size, status: require(${JSON.stringify(ROOT)}).status().timers }));
    }, 2600);
  `, { env: { AFTERBURNER_TIMER_SLACK_MS: String(SLACK), AFTERBURNER_LOG: 'silent' } });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.json.n, 120);
  assert.equal(res.json.inversions, 0, 'same delay: creation order');
  assert.equal(res.json.pairs, true, 'equal deadlines: creation order');
  // 200 random deadlines over 1 s on a 50 ms grid: at most 21 grid points (+1 if a slot straddles a turn).
  assert.ok(res.json.spread <= 22, `200 timers fired in ${res.json.spread} loop turns`);
  assert.ok(res.json.status.alignedTimers >= 400, 'the 600-720 ms keepers, the 690 ms pairs and the spread timers were aligned');
});

test('the returned Timeout keeps working: ref/unref/hasRef, refresh, clearTimeout by object and by number, close, dispose, intervals', () => {
  const res = runNode(`
    const out = {};
    const t = setTimeout(() => { out.firedCleared = true; }, 800);
    out.isTimeout = t.constructor.name;
    out.hasRef = [t.hasRef(), t.unref().hasRef(), t.ref().hasRef()];
    clearTimeout(t);
    const n = setTimeout(() => { out.firedByNumber = true; }, 800);
    clearTimeout(+n);
    const c = setTimeout(() => { out.firedClosed = true; }, 800);
    c.close();
    if (Symbol.dispose && typeof c[Symbol.dispose] === 'function') {
      const d = setTimeout(() => { out.firedDisposed = true; }, 800);
      d[Symbol.dispose]();
    }
    const start = performance.now();
    const r = setTimeout(() => { out.refreshedAfter = performance.now() - start; }, 600);
    setTimeout(() => r.refresh(), 300);
    let ticks = 0; const due = [];
    const iv = setInterval(function () { due.push(this._idleStart + this._idleTimeout); if (++ticks === 3) clearInterval(iv); }, 530);
    const p = require('node:util').promisify(setTimeout)(10, 'v').then((v) => { out.promisified = v; });
    setTimeout(() => { out.ticks = ticks; out.due = due; console.log(JSON.stringify(out)); }, 2500);
  `, { env: { AFTERBURNER_TIMER_SLACK_MS: String(SLACK), AFTERBURNER_LOG: 'silent' } });
  assert.equal(res.status, 0, res.stderr);
  const o = res.json;
  assert.equal(o.isTimeout, 'Timeout');
  assert.deepEqual(o.hasRef, [true, false, true]);
  assert.equal(o.firedCleared, undefined);
  assert.equal(o.firedByNumber, undefined, 'clearTimeout(Symbol.toPrimitive id) cancels');
  assert.equal(o.firedClosed, undefined);
  assert.equal(o.firedDisposed, undefined);
  assert.ok(o.refreshedAfter >= 899, `refresh restarted the 600 ms delay from 300 ms (fired after ${o.refreshedAfter} ms)`);
  assert.equal(o.ticks, 3);
  // On the grid, or 1-2 ms before it when Node's clock ticked between its reading and ours.
  for (const d of o.due) assert.ok((SLACK - (d % SLACK)) % SLACK <= 2, `interval repeat due at ${d}: on the ${SLACK} ms grid`);
  assert.equal(o.promisified, 'v');
});

test('uninstall() puts back the platform functions and Timeout.prototype methods by identity', () => {
  const res = runNode(`
    const timers = require('node:timers');
    const proto = Object.getPrototypeOf(setTimeout(() => {}, 1));
    const before = [setTimeout, setInterval, clearTimeout, clearInterval, timers.setTimeout, timers.clearTimeout, proto.refresh, proto.close, Symbol.dispose && proto[Symbol.dispose]];
    const ab = require(${JSON.stringify(ROOT)});
    ab.install({ timers: { slackMs: 20, report: true }, log: 'silent' });
    const during = [setTimeout, setInterval, clearTimeout, clearInterval, timers.setTimeout, timers.clearTimeout, proto.refresh, proto.close, Symbol.dispose && proto[Symbol.dispose]];
    ab.uninstall();
    const after = [setTimeout, setInterval, clearTimeout, clearInterval, timers.setTimeout, timers.clearTimeout, proto.refresh, proto.close, Symbol.dispose && proto[Symbol.dispose]];
    console.log(JSON.stringify({ changed: during.map((f, i) => f !== before[i]), restored: after.every((f, i) => f === before[i]), globalIsModule: during[0] === during[4] }));
  `, { preload: 'none' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.json.restored, true);
  assert.equal(res.json.globalIsModule, true, 'globalThis and node:timers get the same hook');
  assert.deepEqual(res.json.changed.slice(0, 7), [true, true, true, true, true, true, true]);
});

test('report(): per call site, wake-ups per minute and idle ones, worst first; productive timers are not idle', () => {
  const res = runNode(`
    const fs = require('node:fs');
    const { timers } = require(${JSON.stringify(ROOT)});
    let ready = false;
    const flagPoll = setInterval(() => { if (ready) clearInterval(flagPoll); }, 5); // POLL-A
    (async () => { while (!ready) await timers.sleep(8); })(); // POLL-B
    const file = require('node:path').join(require('node:os').tmpdir(), 'ab-report-' + process.pid);
    const writer = setInterval(() => fs.writeFile(file, String(Date.now()), () => {}), 20); // WRITER
    setTimeout(() => {
      ready = true; clearInterval(writer);
      setTimeout(() => { fs.rmSync(file, { force: true }); console.log(JSON.stringify(timers.report())); }, 50);
    }, 600);
  `, { env: { AFTERBURNER_TIMERS_REPORT: '1', AFTERBURNER_LOG: 'silent' } });
  assert.equal(res.status, 0, res.stderr);
  const rows = res.json;
  const at = (line) => rows.find((r) => r.site === `[eval]:${line}`);
  const pollA = at(5);
  const pollB = at(6);
  const writer = at(8);
  assert.ok(pollA && pollB && writer, JSON.stringify(rows, null, 1));
  assert.equal(pollA.kind, 'setInterval');
  assert.equal(pollB.kind, 'setTimeout', 'sleep() is attributed to the code that called it');
  assert.ok(pollA.wakeups >= 20 && pollA.idleWakeups >= pollA.wakeups - 1, JSON.stringify(pollA));
  assert.ok(pollB.wakeups >= 15 && pollB.idleWakeups >= pollB.wakeups - 1, JSON.stringify(pollB));
  assert.ok(writer.wakeups >= 5);
  assert.equal(writer.idleWakeups, 0, 'a timer that writes a file did something');
  const idleRates = rows.map((r) => r.idlePerMinute);
  assert.deepEqual(idleRates, [...idleRates].sort((a, b) => b - a), 'worst first');
  assert.ok(rows.indexOf(writer) > rows.indexOf(pollA) && rows.indexOf(writer) > rows.indexOf(pollB));
});

test('AFTERBURNER_LOG=debug prints the top report entries at exit', () => {
  const res = runNode(`
    let n = 0;
    const t = setInterval(() => { if (++n === 30) clearInterval(t); }, 3);
  `, { env: { AFTERBURNER_LOG: 'debug' } });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /afterburner: timers report \(worst first\)/);
  assert.match(res.stderr, /afterburner: +[\d.]+ +[\d.]+ +setInterval at \[eval\]:3/);
});
