'use strict';
// The arena limit follows the threads that can malloc at the same time: min(CPUs, threadpool +
// V8 workers + main). Faked environments and CPU counts; the launcher and the register read the
// same environment (UV_THREADPOOL_SIZE) as libuv does.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');
// The public gc namespace plus what it is built from (not public API): these tests check both.
const gc = require('../dist/gc/internal.js');

const MB = 2 ** 20;
const NO_FLAGS = gc.flagsInEffect([], '');

function arena(profile, { cpus, env = {}, flags = NO_FLAGS }) {
  const plan = gc.makePlan({
    profile,
    memory: { bytes: 16384 * MB, source: 'test' },
    young: gc.youngGeneration(flags, (4096 + 3 * 16) * MB),
    flags,
    cpus,
    major: 24,
    threads: gc.mallocThreads(env, flags, cpus),
  });
  return { setting: plan.settings.find((s) => s.key === 'arena-max'), plan };
}

test('UV_THREADPOOL_SIZE and --v8-pool-size are read the way libuv and node read them', () => {
  assert.deepEqual(pick(gc.mallocThreads({}, NO_FLAGS, 16)), { threadpool: 4, v8Pool: 4, running: 9 });
  assert.deepEqual(pick(gc.mallocThreads({ UV_THREADPOOL_SIZE: '16' }, NO_FLAGS, 64)), { threadpool: 16, v8Pool: 4, running: 21 });
  // libuv: atoi(value), 0 -> 1, above 1024 -> 1024.
  assert.equal(gc.mallocThreads({ UV_THREADPOOL_SIZE: '0' }, NO_FLAGS, 8).threadpool, 1);
  assert.equal(gc.mallocThreads({ UV_THREADPOOL_SIZE: 'many' }, NO_FLAGS, 8).threadpool, 1);
  assert.equal(gc.mallocThreads({ UV_THREADPOOL_SIZE: '5000' }, NO_FLAGS, 8).threadpool, 1024);
  assert.equal(gc.mallocThreads({}, gc.flagsInEffect([], '--v8-pool-size=2'), 8).v8Pool, 2);
  assert.equal(gc.mallocThreads({}, gc.flagsInEffect([], '--v8-pool-size=0'), 8).v8Pool, 7, 'node picks CPUs - 1');
  // Never more running than CPUs.
  assert.equal(gc.mallocThreads({ UV_THREADPOOL_SIZE: '64' }, NO_FLAGS, 2).running, 2);
});

function pick({ threadpool, v8Pool, running }) {
  return { threadpool, v8Pool, running };
}

test('arenas: one per running thread (throughput), per two (balanced), per four (memory); memory <= balanced <= throughput', () => {
  for (const cpus of [1, 2, 4, 8, 16, 64]) {
    for (const uv of ['1', '4', '8', '16', '128']) {
      const env = { UV_THREADPOOL_SIZE: uv };
      const running = gc.mallocThreads(env, NO_FLAGS, cpus).running;
      const t = arena('throughput', { cpus, env }).setting;
      const b = arena('balanced', { cpus, env }).setting;
      const m = arena('memory', { cpus, env }).setting;
      const value = (s) => (s.decision === 'set' ? s.value : 8 * cpus);
      const where = `${cpus} CPUs, ${uv} threadpool threads`;
      if (t.decision === 'set') assert.equal(t.value, Math.max(2, running), where);
      assert.equal(value(b), Math.min(8 * cpus, Math.ceil(running / 2)), where);
      assert.equal(value(m), Math.min(8 * cpus, Math.ceil(running / 4)), where);
      assert.ok(value(m) <= value(b) && value(b) <= value(t), where);
      // Never above glibc's own limit (8 x CPUs): that would be "left alone", not "set".
      for (const s of [t, b, m]) if (s.decision === 'set') assert.ok(s.value < 8 * cpus, `${where}: ${s.text}`);
    }
  }
});

test('on a 2-CPU machine more threadpool threads do not raise the limit; on 16 CPUs they do, and the reason says why', () => {
  const small4 = arena('balanced', { cpus: 2, env: { UV_THREADPOOL_SIZE: '4' } }).setting;
  const small16 = arena('balanced', { cpus: 2, env: { UV_THREADPOOL_SIZE: '16' } }).setting;
  assert.equal(small4.value, 1);
  assert.equal(small16.value, 1);
  const big4 = arena('balanced', { cpus: 16, env: { UV_THREADPOOL_SIZE: '4' } }).setting;
  const big16 = arena('balanced', { cpus: 16, env: { UV_THREADPOOL_SIZE: '16' } }).setting;
  assert.ok(big16.value > big4.value, `${big16.text} vs ${big4.text}`);
  assert.match(big16.reason, /at most 16 threads run at once \(16 threadpool \(UV_THREADPOOL_SIZE=16\) \+ 4 V8 workers/);
  assert.match(big4.reason, /at most 9 threads run at once/);
});

test('the launcher and `afterburner env` take UV_THREADPOOL_SIZE from the environment they run in', (t) => {
  const BIN = path.join(ROOT, 'bin', 'afterburner.js');
  const script = path.join(os.tmpdir(), `ab-arena-env-${process.pid}.js`);
  fs.writeFileSync(script, 'console.log(process.env.MALLOC_ARENA_MAX ?? "")');
  t.after(() => fs.rmSync(script, { force: true }));
  for (const uv of ['1', '64']) {
    const env = cleanEnv({ UV_THREADPOOL_SIZE: uv, AFTERBURNER_LOG: 'silent' });
    const expected = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(ROOT)}).gc.plan('throughput').settings.find((s) => s.key === 'arena-max'); console.log(a.decision === 'set' ? a.value : '')`], { env, encoding: 'utf8' });
    assert.equal(expected.status, 0, expected.stderr);
    const printed = spawnSync(process.execPath, [BIN, 'env', '--profile', 'throughput'], { env, encoding: 'utf8' });
    assert.equal(printed.status, 0, printed.stderr);
    const line = /^MALLOC_ARENA_MAX=(\d+)$/m.exec(printed.stdout);
    assert.equal(line ? line[1] : '', expected.stdout.trim(), printed.stdout);
    const launched = spawnSync(process.execPath, [BIN, '--profile', 'throughput', script], { env, encoding: 'utf8' });
    assert.equal(launched.status, 0, launched.stderr);
    assert.equal(launched.stdout.trim(), expected.stdout.trim());
  }
});

test('`afterburner env --cpus n` sizes the arena limit for the target machine, not the build machine', () => {
  const BIN = path.join(ROOT, 'bin', 'afterburner.js');
  const arenaLine = (cpus) => {
    const r = spawnSync(process.execPath, [BIN, 'env', '--profile', 'balanced', '--cpus', String(cpus)], { env: cleanEnv({ UV_THREADPOOL_SIZE: '16' }), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`and ${cpus} CPUs \\(--cpus\\)`));
    return Number(/^MALLOC_ARENA_MAX=(\d+)$/m.exec(r.stdout)?.[1]);
  };
  // 16 threadpool + 4 V8 workers + main: on 16 CPUs all 16 run at once (one arena per two), on 2 CPUs two do.
  assert.equal(arenaLine(16), 8);
  assert.equal(arenaLine(2), 1);
  const bad = spawnSync(process.execPath, [BIN, 'env', '--cpus', '0'], { env: cleanEnv(), encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--cpus expects the target's CPU count/);
});
