'use strict';
// Where inotify cannot be trusted the patch polls like the original. Forced here three ways: the
// AFTERBURNER_TIMERS_POLL pattern, an fs.watch that fails the way the kernel does when the
// inotify watch limit is reached (ENOSPC), and a watch that errors after it was set up. Each
// time the sequence of (curr, prev) events must still be the original's. Then a real library:
// chokidar 4 with usePolling, which is built on fs.watchFile.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, ROOT } = require('./helpers');

const PRELUDE = `
  const fs = require('node:fs');
  const path = require('node:path');
  const os = require('node:os');
  const original = { watchFile: fs.watchFile, unwatchFile: fs.unwatchFile };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const view = (s) => Object.fromEntries(Object.keys(s).map((k) => [k, s[k] instanceof Date ? s[k].getTime() : s[k]]));
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ab-fb-')));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  async function settle(a, b, na, nb) {
    const end = Date.now() + 4000;
    while ((a.length <= na || b.length <= nb) && Date.now() < end) await sleep(5);
    await sleep(80);
  }
  // Same file operations watched by the original and by the patched fs.watchFile.
  async function sideBySide(file, ab) {
    const A = [], B = [];
    original.watchFile(file, { interval: 20 }, (c, p) => A.push([view(c), view(p)]));
    fs.watchFile(file, { interval: 20 }, (c, p) => B.push([view(c), view(p)]));
    const steps = [() => {}, () => fs.writeFileSync(file, 'one'), () => fs.writeFileSync(file, 'three'),
      () => { fs.writeFileSync(file + '.tmp', 'atomic'); fs.renameSync(file + '.tmp', file); },
      () => fs.unlinkSync(file), () => fs.writeFileSync(file, 'back')];
    const counts = [];
    for (const step of steps) { const na = A.length, nb = B.length; step(); await settle(A, B, na, nb); counts.push([A.length, B.length]); }
    const status = ab.status().timers.watchFile;
    original.unwatchFile(file); fs.unwatchFile(file);
    return { A, B, counts, status };
  }
`;

function run(body, opts = {}) {
  const res = runNode(`${PRELUDE}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });`, { preload: 'none', ...opts });
  assert.equal(res.status, 0, res.stderr);
  assert.ok(res.json, res.stdout + res.stderr);
  return res;
}

function assertSameAsOriginal({ A, B, counts }) {
  for (const [i, [a, b]] of counts.entries()) assert.equal(b, a, `step ${i}`);
  assert.deepEqual(B, A);
  assert.equal(A.length, counts.length, 'one event per step');
}

test('AFTERBURNER_TIMERS_POLL forces polling for matching paths only, says so at debug level, and delivers the same events', () => {
  const { json, stderr } = run(`
    const ab = require(${JSON.stringify(ROOT)});
    ab.install({ json: false, gc: false, weak: false });
    fs.writeFileSync(path.join(tmp, 'events-here'), 'x');
    fs.watchFile(path.join(tmp, 'events-here'), () => {});
    const result = await sideBySide(path.join(tmp, 'polled.conf'), ab);
    fs.unwatchFile(path.join(tmp, 'events-here'));
    console.log(JSON.stringify(result));
  `, { env: { AFTERBURNER_TIMERS_POLL: 'polled\\.conf$', AFTERBURNER_LOG: 'debug' } });
  assertSameAsOriginal(json);
  assert.equal(json.status.polling, 1);
  assert.equal(json.status.eventDriven, 1, 'the other path stays event-driven');
  assert.deepEqual(json.status.pollingReasons, { 'forced by AFTERBURNER_TIMERS_POLL': 1 });
  assert.match(stderr, /afterburner: timers: fs\.watchFile polls \S+polled\.conf: forced by AFTERBURNER_TIMERS_POLL/);
});

test('inotify watch limit reached (fs.watch throws ENOSPC): polling fallback, same events', () => {
  const { json, stderr } = run(`
    const ab = require(${JSON.stringify(ROOT)});
    ab.install({ json: false, gc: false, weak: false });
    const realWatch = fs.watch;
    fs.watch = () => { const e = new Error('ENOSPC: System limit for number of file watchers reached, watch'); e.code = 'ENOSPC'; e.errno = -28; e.syscall = 'watch'; throw e; };
    const result = await sideBySide(path.join(tmp, 'limit.conf'), ab);
    fs.watch = realWatch;
    console.log(JSON.stringify(result));
  `, { env: { AFTERBURNER_LOG: 'debug' } });
  assertSameAsOriginal(json);
  assert.equal(json.status.polling, 1);
  assert.match(Object.keys(json.status.pollingReasons)[0], /^directory watch failed: .*ENOSPC/);
  assert.match(stderr, /fs\.watchFile polls \S+limit\.conf: directory watch failed/);
});

test('a watch that errors after setup: that path falls back to polling and keeps delivering', () => {
  const { json } = run(`
    const ab = require(${JSON.stringify(ROOT)});
    ab.install({ json: false, gc: false, weak: false, log: 'silent' });
    const file = path.join(tmp, 'flaky.conf');
    fs.writeFileSync(file, 'a');
    const realWatch = fs.watch;
    const made = [];
    fs.watch = function (...args) { const w = realWatch.apply(this, args); made.push(w); return w; };
    const B = [];
    fs.watchFile(file, { interval: 20 }, (c, p) => B.push(c.size));
    await sleep(50);
    const before = ab.status().timers.watchFile;
    for (const w of made) w.emit('error', Object.assign(new Error('EIO: i/o error, watch'), { code: 'EIO' }));
    const after = ab.status().timers.watchFile;
    // Replaced whole (write + rename): writeFileSync truncates first, and a 20 ms poll on a busy
    // machine could see the empty file in between.
    fs.writeFileSync(file + '.tmp', 'bbbb');
    fs.renameSync(file + '.tmp', file);
    const end = Date.now() + 4000;
    while (B.length === 0 && Date.now() < end) await sleep(5);
    fs.watch = realWatch;
    fs.unwatchFile(file);
    console.log(JSON.stringify({ before, after, B, watchers: made.length }));
  `);
  assert.ok(json.watchers >= 1);
  assert.equal(json.before.eventDriven, 1);
  assert.equal(json.after.polling, 1);
  assert.match(Object.keys(json.after.pollingReasons)[0], /watch error: EIO/);
  assert.deepEqual(json.B, [4]);
});

test('a symbolic link is polled (its target can change without an event on the link)', () => {
  const { json } = run(`
    const ab = require(${JSON.stringify(ROOT)});
    ab.install({ json: false, gc: false, weak: false, log: 'silent' });
    fs.mkdirSync(path.join(tmp, 'v1'));
    fs.writeFileSync(path.join(tmp, 'v1', 'real.conf'), 'x');
    fs.symlinkSync(path.join(tmp, 'v1', 'real.conf'), path.join(tmp, 'link.conf'));
    fs.watchFile(path.join(tmp, 'link.conf'), { interval: 20 }, () => {});
    await sleep(100);
    const status = ab.status().timers.watchFile;
    fs.unwatchFile(path.join(tmp, 'link.conf'));
    console.log(JSON.stringify({ status }));
  `);
  assert.equal(json.status.polling, 1);
  assert.deepEqual(Object.keys(json.status.pollingReasons), ['the path is a symbolic link']);
});

test('bad AFTERBURNER_TIMERS_POLL and AFTERBURNER_TIMER_SLACK_MS values warn in the standard shape and keep the defaults', () => {
  const res = runNode(`console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().timers))`, {
    env: { AFTERBURNER_TIMERS_POLL: '(unclosed', AFTERBURNER_TIMER_SLACK_MS: 'lots' },
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /^afterburner warning: ignoring AFTERBURNER_TIMERS_POLL="\(unclosed": accepted values are .+; using the default \(unset\)$/m);
  assert.match(res.stderr, /^afterburner warning: ignoring AFTERBURNER_TIMER_SLACK_MS="lots": accepted values are an integer from 1 to 60000; using the default \(unset\)$/m);
  assert.equal(res.json.active, true);
  assert.equal(res.json.slackMs, null);
});

test('chokidar 4 with usePolling still reports add, change and unlink under --require afterburner/register', () => {
  // Interval 1.5 s: the unlink comes less than one interval after the change, so it is reported at
  // the interval boundary (at most one report per interval, as with polling).
  const res = runNode(`
    const fs = require('node:fs'); const path = require('node:path'); const os = require('node:os');
    const chokidar = require('chokidar');
    const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ab-chok-')));
    const events = [];
    const seen = (kind, file) => events.push([kind, path.basename(file)]);
    const watcher = chokidar.watch(tmp, { usePolling: true, interval: 1500, binaryInterval: 1500, ignoreInitial: true });
    watcher.on('add', (f) => seen('add', f)).on('change', (f) => seen('change', f)).on('unlink', (f) => seen('unlink', f));
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const until = async (pred) => { const end = Date.now() + 8000; while (!pred() && Date.now() < end) await sleep(10); };
    watcher.on('ready', async () => {
      // Like the original, the first stat is the baseline: let it complete before changing anything.
      await sleep(300);
      const file = path.join(tmp, 'app.yaml');
      fs.writeFileSync(file, 'a: 1');
      await until(() => events.some((e) => e[0] === 'add'));
      await sleep(50);
      fs.writeFileSync(file, 'a: 22');
      await until(() => events.some((e) => e[0] === 'change'));
      await sleep(50);
      fs.unlinkSync(file);
      await until(() => events.some((e) => e[0] === 'unlink'));
      const status = require(${JSON.stringify(ROOT)}).status().timers.watchFile;
      await watcher.close();
      fs.rmSync(tmp, { recursive: true, force: true });
      console.log(JSON.stringify({ events, status }));
    });
  `, { env: { AFTERBURNER_LOG: 'silent' } });
  assert.equal(res.status, 0, res.stderr);
  const kinds = res.json.events.filter((e) => e[1] === 'app.yaml').map((e) => e[0]);
  assert.deepEqual([...new Set(kinds)], ['add', 'change', 'unlink']);
  assert.ok(res.json.status.eventDriven >= 1, 'chokidar went through the patched fs.watchFile');
});

test('safety net: a change whose events were lost is still reported by the periodic verification', () => {
  // Lost events are simulated by handing the patch watchers on an unrelated directory, as if the
  // kernel had dropped them (inotify queue overflow). The net's period is forced to 1 s here.
  const { json } = run(`
    const ab = require(${JSON.stringify(ROOT)});
    ab.install({ json: false, gc: false, weak: false, log: 'silent', timers: { safetyNetMs: 1000 } });
    const file = path.join(tmp, 'quiet.conf');
    fs.writeFileSync(file, 'a');
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-elsewhere-'));
    const realWatch = fs.watch;
    fs.watch = (p, ...rest) => realWatch(elsewhere, ...rest);
    const B = [];
    fs.watchFile(file, { interval: 60000 }, (c, p) => B.push([c.size, p.size]));
    fs.watch = realWatch;
    await sleep(100);
    fs.writeFileSync(file, 'bbb');
    const t0 = Date.now();
    const end = t0 + 8000;
    while (B.length === 0 && Date.now() < end) await sleep(20);
    const status = ab.status().timers.watchFile;
    fs.unwatchFile(file);
    fs.rmSync(elsewhere, { recursive: true, force: true });
    console.log(JSON.stringify({ B, status }));
  `);
  assert.deepEqual(json.B, [[3, 1]]);
  assert.equal(json.status.eventDriven, 1, 'still event-driven: the net is a backstop, not polling');
  assert.ok(json.status.safetyNetChecks >= 1);
});
