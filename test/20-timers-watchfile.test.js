'use strict';
// fs.watchFile under the timers patch, side by side with the original: one child process keeps
// the original functions from before install(), watches the same files with both, performs the
// same file operations, and prints both (curr, prev) sequences. The original polls every 20 ms
// and every step waits until both sides have reported it, so the two must agree exactly.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, ROOT } = require('./helpers');

const PRELUDE = `
  const fs = require('node:fs');
  const path = require('node:path');
  const os = require('node:os');
  const original = { watchFile: fs.watchFile, unwatchFile: fs.unwatchFile };
  const ab = require(${JSON.stringify(ROOT)});
  ab.install({ log: 'silent', json: false, gc: false, weak: false });
  const patched = { watchFile: fs.watchFile, unwatchFile: fs.unwatchFile };
  const INTERVAL = 20;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Everything a user can observe on a Stats object: class, own keys in order, every value.
  const view = (s) => ({ cls: s.constructor.name, keys: Object.keys(s).join(','),
    values: Object.fromEntries(Object.keys(s).map((k) => [k, typeof s[k] === 'bigint' ? s[k].toString() + 'n' : s[k] instanceof Date ? 'D' + s[k].getTime() : s[k]])),
    dates: ['atime', 'mtime', 'ctime', 'birthtime'].map((k) => s[k] instanceof Date ? s[k].getTime() : String(s[k])).join(',') });
  const pair = (c, p) => ({ curr: view(c), prev: view(p) });
  // Waits until both recorders grew past their lengths, then a few more original intervals.
  async function settle(a, b, na, nb, extra = INTERVAL * 4) {
    const end = Date.now() + 4000;
    while ((a.length <= na || b.length <= nb) && Date.now() < end) await sleep(5);
    await sleep(extra);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-wf-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
`;

function run(body, opts = {}) {
  const res = runNode(`${PRELUDE}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });`, { preload: 'none', timeout: 30000, ...opts });
  assert.equal(res.status, 0, res.stderr);
  assert.ok(res.json, res.stdout + res.stderr);
  return res.json;
}

// The scripted scenario: file missing at start, created, rewritten, chmod, atomic replace,
// hard-linked from another directory and written through that link, deleted, recreated, parent
// directory deleted and recreated, written again.
const SCENARIO = (bigint) => `
  const dir = path.join(tmp, 'sub');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'config.json');
  const A = [], B = [];
  const opts = { interval: INTERVAL, bigint: ${bigint} };
  original.watchFile(file, opts, (c, p) => A.push(pair(c, p)));
  const w = patched.watchFile(file, opts, (c, p) => B.push(pair(c, p)));
  // Each step changes the file in one system call (a rewrite without truncation, a creation by
  // link), so neither side can catch a half-done step: on a loaded machine the event-driven side
  // could otherwise legitimately report the empty file between a truncate and the write.
  const scratch = path.join(tmp, 'scratch');
  const create = (text) => { fs.writeFileSync(scratch, text); fs.linkSync(scratch, file); fs.unlinkSync(scratch); };
  const rewrite = (text) => fs.writeFileSync(file, text, { flag: 'r+' });
  const steps = [
    ['start (missing)', () => {}],
    ['create', () => create('{"v":1}')],
    ['rewrite bigger', () => rewrite('{"v":22}')],
    ['rewrite same size', () => rewrite('{"v":33}')],
    ['chmod', () => fs.chmodSync(file, 0o600)],
    ['hard link elsewhere (ctime only)', () => fs.linkSync(file, path.join(tmp, 'other-link'))],
    ['write through the other link', () => fs.appendFileSync(path.join(tmp, 'other-link'), '  ')],
    ['atomic replace', () => { fs.writeFileSync(file + '.tmp', '{"v":4444}'); fs.renameSync(file + '.tmp', file); }],
    ['delete', () => fs.unlinkSync(file)],
    ['recreate', () => create('{"v":5}')],
    ['append', () => fs.appendFileSync(file, ' ')],
    ['delete directory', () => fs.rmSync(dir, { recursive: true })],
    ['recreate directory and file', () => { fs.mkdirSync(dir); create('{"v":66}'); }],
    ['write after directory came back', () => rewrite('{"v":777}')],
  ];
  const marks = [];
  for (const [name, op] of steps) {
    const na = A.length, nb = B.length;
    op();
    await settle(A, B, na, nb);
    marks.push({ name, a: A.length, b: B.length });
  }
  original.unwatchFile(file);
  patched.unwatchFile(file);
  console.log(JSON.stringify({ A, B, marks, status: ab.status().timers.watchFile, isEmitter: w instanceof require('node:events') }));
`;

for (const bigint of [false, true]) {
  test(`same (curr, prev) sequence as the original through create/rewrite/chmod/atomic replace/delete/recreate/directory loss (bigint: ${bigint})`, () => {
    const { A, B, marks, isEmitter } = run(SCENARIO(bigint));
    assert.ok(isEmitter);
    // Every step produced exactly one event on each side, in the same order.
    for (const [i, m] of marks.entries()) assert.equal(m.b, m.a, `after step "${m.name}" (${i}): original ${m.a} events, patched ${m.b}`);
    assert.equal(B.length, A.length);
    assert.ok(A.length >= marks.length, 'the scenario is observable to the original');
    for (let i = 0; i < A.length; i++) assert.deepEqual(B[i], A[i], `event ${i} (${marks.find((m) => m.a > i)?.name})`);
    // The first event is the missing-file report: both stats zeroed, dates at the epoch.
    assert.equal(A[0].curr.values.size, bigint ? '0n' : 0);
    assert.equal(A[0].curr.dates, '0,0,0,0');
    assert.equal(A[0].curr.cls, bigint ? 'BigIntStats' : 'Stats');
  });
}

test('the returned watcher is the platform StatWatcher: one per path, shared by listeners, ref/unref, stop event', () => {
  const out = run(`
    const file = path.join(tmp, 'x');
    fs.writeFileSync(file, 'x');
    const ref = original.watchFile(path.join(tmp, 'ref'), () => {});
    original.unwatchFile(path.join(tmp, 'ref'));
    const l1 = () => {}, l2 = () => {};
    const w1 = patched.watchFile(file, { interval: INTERVAL }, l1);
    const w2 = patched.watchFile(path.relative(process.cwd(), file), l2);
    const w3 = patched.watchFile(new URL('file://' + file), l2);
    const proto = Object.getPrototypeOf(w1) === Object.getPrototypeOf(ref);
    const keys = Reflect.ownKeys(w1).map(String).join(',') === Reflect.ownKeys(ref).map(String).join(',');
    const chain = [w1.ref() === w1, w1.unref() === w1, w1.ref() === w1];
    let stopped = 0;
    w1.on('stop', () => stopped++);
    const counts = [w1.listenerCount('change')];
    patched.unwatchFile(file, l1);
    counts.push(w1.listenerCount('change'));
    patched.unwatchFile(file, () => {});
    counts.push(w1.listenerCount('change'));
    patched.unwatchFile(file);
    counts.push(w1.listenerCount('change'));
    await sleep(10);
    const w4 = patched.watchFile(file, () => {});
    patched.unwatchFile(file);
    console.log(JSON.stringify({ same: w1 === w2 && w2 === w3, fresh: w4 !== w1, proto, keys, chain, counts, stopped, name: w1.constructor.name,
      handleGone: w1._handle === null }));
  `);
  assert.equal(out.same, true, 'relative, absolute and file: URL paths share one watcher, as in the original');
  assert.equal(out.fresh, true, 'after unwatchFile a new watcher is made');
  assert.equal(out.proto, true, 'same prototype as the original StatWatcher');
  assert.equal(out.keys, true, 'same own properties as the original StatWatcher');
  assert.equal(out.name, 'StatWatcher');
  assert.deepEqual(out.chain, [true, true, true]);
  assert.deepEqual(out.counts, [3, 2, 2, 0], 'unwatchFile(path, listener) removes one, unknown listener nothing, unwatchFile(path) all');
  assert.equal(out.stopped, 1, "'stop' is emitted once when the last listener goes");
  assert.equal(out.handleGone, true);
});

test('argument errors are the original ones (invalid path, listener, interval, URL scheme)', () => {
  const out = run(`
    const attempts = [
      [Buffer.from('/tmp/x'), () => {}],
      [123, () => {}],
      ['/tmp/x', 'not a function'],
      ['/tmp/x', { interval: -1 }, () => {}],
      ['/tmp/x', { interval: 'soon' }, () => {}],
      [new URL('http://example.com/x'), () => {}],
      ['/tmp/a\\u0000b', () => {}],
    ];
    const shape = (fn, args) => { try { fn.apply(fs, args); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } };
    const result = attempts.map((args) => [shape(original.watchFile, args), shape(patched.watchFile, args)]);
    const unwatch = [[123], [Buffer.from('/tmp/x')]].map((args) => [shape(original.unwatchFile, args), shape(patched.unwatchFile, args)]);
    console.log(JSON.stringify({ result, unwatch }));
  `);
  for (const [orig, ours] of [...out.result, ...out.unwatch]) {
    assert.notEqual(orig, 'no error');
    assert.deepEqual(ours, orig);
  }
});

test('rapid successive writes: every event is a real change, chained, and the last one is the final state', () => {
  const out = run(`
    const file = path.join(tmp, 'rapid');
    fs.writeFileSync(file, '');
    const A = [], B = [];
    original.watchFile(file, { interval: INTERVAL }, (c, p) => A.push(pair(c, p)));
    patched.watchFile(file, { interval: INTERVAL }, (c, p) => B.push(pair(c, p)));
    await sleep(100);
    for (let i = 1; i <= 40; i++) { fs.writeFileSync(file, 'x'.repeat(i)); if (i % 5 === 0) await sleep(3); }
    await settle(A, B, 0, 0, 300);
    const final = view(fs.statSync(file));
    original.unwatchFile(file); patched.unwatchFile(file);
    console.log(JSON.stringify({ A, B, final }));
  `);
  const changed = (a, b) => ['ctimeMs', 'mtimeMs', 'birthtimeMs', 'size', 'mode', 'uid', 'gid', 'ino', 'dev'].some((k) => a.values[k] !== b.values[k]);
  assert.ok(out.B.length >= 1);
  for (const [i, e] of out.B.entries()) {
    assert.ok(changed(e.curr, e.prev), `event ${i} reports a real change`);
    if (i > 0) assert.deepEqual(e.prev.values, out.B[i - 1].curr.values, `event ${i}'s prev is event ${i - 1}'s curr`);
  }
  assert.deepEqual(out.B.at(-1).curr.values, out.final.values, 'the last event shows the final state');
  assert.deepEqual(out.A.at(-1).curr.values, out.final.values, 'so does the original');
});

test('persistent: false lets the process exit; persistent: true keeps it alive until unwatchFile', () => {
  const t0 = Date.now();
  const quick = runNode(`
    const fs = require('node:fs');
    require(${JSON.stringify(ROOT)}).install({ log: 'silent' });
    fs.watchFile('/tmp/afterburner-no-such-file', { persistent: false }, () => {});
    fs.watchFile('/tmp', { persistent: true }, () => {}).unref();
    console.log(JSON.stringify({ ok: true }));
  `, { preload: 'none' });
  assert.equal(quick.status, 0, quick.stderr);
  assert.ok(Date.now() - t0 < 15000);
  const kept = runNode(`
    const fs = require('node:fs');
    require(${JSON.stringify(ROOT)}).install({ log: 'silent' });
    const start = Date.now();
    fs.watchFile('/tmp', () => {});
    setTimeout(() => { fs.unwatchFile('/tmp'); console.log(JSON.stringify({ alive: Date.now() - start })); }, 300).unref();
  `, { preload: 'none' });
  assert.equal(kept.status, 0, kept.stderr);
  assert.ok(kept.json.alive >= 290, 'the watcher kept the process alive until the unref\'d timer ran');
});

test('the path is event-driven: status() counts it, and a change arrives well before the polling interval', () => {
  // Not a speed assertion: with a 60 s interval the original would report nothing within 20 s.
  const out = run(`
    const file = path.join(tmp, 'slow');
    fs.writeFileSync(file, 'a');
    const B = [];
    patched.watchFile(file, { interval: 60000 }, (c, p) => B.push(pair(c, p)));
    await sleep(100);
    const status = ab.status().timers.watchFile;
    fs.writeFileSync(file, 'bb');
    const end = Date.now() + 20000;
    while (B.length === 0 && Date.now() < end) await sleep(5);
    patched.unwatchFile(file);
    console.log(JSON.stringify({ status, events: B.length }));
  `);
  assert.equal(out.status.eventDriven, 1);
  assert.equal(out.status.polling, 0);
  assert.equal(out.events, 1);
});

test('a listener that throws (handled by uncaughtException) does not stop delivery, as with the original', () => {
  const out = run(`
    const file = path.join(tmp, 'throws');
    fs.writeFileSync(file, 'a');
    const A = [], B = [];
    let caught = 0;
    process.on('uncaughtException', () => caught++);
    original.watchFile(file, { interval: INTERVAL }, (c) => { A.push(c.size); throw new Error('listener bug'); });
    patched.watchFile(file, { interval: INTERVAL }, (c) => { B.push(c.size); throw new Error('listener bug'); });
    await sleep(100);
    for (const text of ['bb', 'ccc', 'dddd']) { const na = A.length, nb = B.length; fs.writeFileSync(file, text); await settle(A, B, na, nb); }
    original.unwatchFile(file); patched.unwatchFile(file);
    console.log(JSON.stringify({ A, B, caught }));
  `);
  assert.deepEqual(out.A, [2, 3, 4]);
  assert.deepEqual(out.B, out.A);
  assert.equal(out.caught, 6);
});

test('a file written continuously is reported at most once per interval, the first change at once', () => {
  const out = run(`
    const file = path.join(tmp, 'log');
    fs.writeFileSync(file, '');
    const times = [];
    const t0 = performance.now();
    patched.watchFile(file, { interval: 400 }, () => times.push(performance.now() - t0));
    await sleep(500);
    const w0 = performance.now() - t0;
    const end = performance.now() + 1500;
    while (performance.now() < end) { fs.appendFileSync(file, 'line\\n'); await sleep(5); }
    await sleep(600);
    patched.unwatchFile(file);
    console.log(JSON.stringify({ w0, times }));
  `);
  const gaps = out.times.slice(1).map((t, i) => t - out.times[i]);
  assert.ok(out.times.length >= 3 && out.times.length <= 6, `${out.times.length} reports for 1.5 s of writes at a 400 ms interval`);
  for (const g of gaps) assert.ok(g >= 395, `reports ${g.toFixed(0)} ms apart`);
  assert.ok(out.times[0] - out.w0 < 400, 'the first change was not held back');
});
