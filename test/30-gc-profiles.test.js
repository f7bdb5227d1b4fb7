'use strict';
// gc profiles: which profile the environment selects, how much memory the process may use
// (cgroup v2, v1, physical, or a faked limit), and how every size follows from that figure.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, ROOT } = require('./helpers');
// The public gc namespace plus what it is built from (not public API): these tests check both.
const gc = require('../dist/gc/internal.js');

const MB = 2 ** 20;
const GB = 2 ** 30;

test('AFTERBURNER_GC selects the profile: default and on-words mean balanced, off-words turn it off', () => {
  assert.deepEqual(pick({}), { enabled: true, profile: 'balanced', source: 'default' });
  for (const word of ['1', 'on', 'TRUE']) assert.equal(pick({ AFTERBURNER_GC: word }).profile, 'balanced', word);
  for (const p of ['throughput', 'balanced', 'memory', 'MEMORY', ' memory ']) assert.deepEqual(pick({ AFTERBURNER_GC: p }).profile, p.trim().toLowerCase());
  for (const word of ['0', 'off', 'false']) assert.equal(pick({ AFTERBURNER_GC: word }).enabled, false, word);
  assert.equal(pick({ AFTERBURNER: '0', AFTERBURNER_GC: 'memory' }).enabled, false);
  assert.equal(gc.resolveProfile({ AFTERBURNER_GC: 'memory' }, 'throughput').profile, 'throughput', 'an explicit --profile wins');
});

test('a bad AFTERBURNER_GC value gives the package warning and the default profile', () => {
  const r = gc.resolveProfile({ AFTERBURNER_GC: 'fast' });
  assert.equal(r.profile, 'balanced');
  assert.equal(r.enabled, true);
  assert.deepEqual(r.warnings, ['ignoring AFTERBURNER_GC="fast": accepted values are 0, off, false, 1, on, true, throughput, balanced, memory; using the default (on)']);
});

test('the register picks the profile from the environment (child process)', () => {
  for (const profile of ['throughput', 'memory']) {
    const { status, json, stderr } = runNode(`console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().gc))`, { env: { AFTERBURNER_GC: profile } });
    assert.equal(status, 0, stderr);
    assert.equal(json.active, true);
    assert.equal(json.profile, profile);
  }
  const { json } = runNode(`console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().gc))`, { env: { AFTERBURNER_GC: 'on' } });
  assert.equal(json.profile, 'balanced');
});

function pick(env) {
  const { enabled, profile, source } = gc.resolveProfile(env);
  return { enabled, profile, source };
}

function fakeFs(files) {
  return (file) => files[file];
}

test('memory limit: cgroup v2 memory.max, then cgroup v1, then physical memory; the smallest wins', () => {
  const total = 16 * GB;
  assert.deepEqual(gc.memoryLimit({ env: {}, totalmem: total, read: fakeFs({}) }), { bytes: total, source: 'physical memory (os.totalmem())' });
  const v2 = gc.memoryLimit({ env: {}, totalmem: total, read: fakeFs({ '/proc/self/cgroup': '0::/svc\n', '/sys/fs/cgroup/svc/memory.max': '536870912\n' }) });
  assert.equal(v2.bytes, 512 * MB);
  assert.match(v2.source, /cgroup v2 \/sys\/fs\/cgroup\/svc\/memory\.max/);
  const unlimited = gc.memoryLimit({ env: {}, totalmem: total, read: fakeFs({ '/sys/fs/cgroup/memory.max': 'max\n' }) });
  assert.equal(unlimited.bytes, total, '"max" is no limit');
  const v1 = gc.memoryLimit({
    env: {},
    totalmem: total,
    read: fakeFs({ '/proc/self/cgroup': '4:memory:/docker/abc\n', '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': String(GB) }),
  });
  assert.equal(v1.bytes, GB);
  assert.match(v1.source, /cgroup v1/);
  const v1Unlimited = gc.memoryLimit({ env: {}, totalmem: total, read: fakeFs({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' }) });
  assert.equal(v1Unlimited.bytes, total, 'cgroup v1 "unlimited" is ignored');
  const above = gc.memoryLimit({ env: {}, totalmem: 2 * GB, read: fakeFs({ '/sys/fs/cgroup/memory.max': String(8 * GB) }) });
  assert.equal(above.bytes, 2 * GB, 'a container limit above physical memory is not a limit');
  const faked = gc.memoryLimit({ env: { AFTERBURNER_GC_MEMORY_LIMIT: '768m' }, totalmem: total, read: fakeFs({ '/sys/fs/cgroup/memory.max': String(GB) }) });
  assert.deepEqual(faked, { bytes: 768 * MB, source: 'AFTERBURNER_GC_MEMORY_LIMIT=768m' });
});

test('profile sizes follow the memory available and never give the young generation more than 1/8 of it', () => {
  for (const profile of gc.PROFILES) {
    let previous = 0;
    for (const memMB of [128, 256, 512, 1024, 2048, 4096, 16384, 65536]) {
      const s = gc.profileSizes(profile, memMB);
      assert.ok(3 * s.semiSpaceMB <= memMB / 8, `${profile} at ${memMB} MB: ${s.semiSpaceMB} MB semi-spaces`);
      assert.ok(s.semiSpaceMB >= previous, `${profile}: sizes grow with memory`);
      previous = s.semiSpaceMB;
    }
  }
  const big = 16384;
  assert.ok(gc.profileSizes('throughput', big).semiSpaceMB > gc.profileSizes('balanced', big).semiSpaceMB);
  // balanced's size is a floor (raised up to it), memory's a cap (lowered down to it): they may meet.
  assert.ok(gc.profileSizes('balanced', big).semiSpaceMB >= gc.profileSizes('memory', big).semiSpaceMB);
  assert.ok(gc.profileSizes('throughput', big).arenaMax >= gc.profileSizes('memory', big).arenaMax);
});

// A runtime is described by what V8 reports: heap_size_limit = old generation + 3 semi-spaces.
function planOn({ profile, memoryMB, semiMB, oldMB = 4096, flags = '' }) {
  return gc.makePlan({
    profile,
    memory: { bytes: memoryMB * MB, source: 'test' },
    young: gc.youngGeneration(gc.flagsInEffect([], flags), (oldMB + 3 * semiMB) * MB),
    flags: gc.flagsInEffect([], flags),
    cpus: 2,
    major: 24,
  });
}

function setting(plan, key) {
  return plan.settings.find((s) => s.key === key);
}

test('the young generation is read back from heap_size_limit, exactly when --max-old-space-size is known', () => {
  for (const semi of [16, 32, 64]) {
    const young = gc.youngGeneration(gc.flagsInEffect([], ''), (4096 + 3 * semi) * MB);
    assert.equal(young.maxSemiSpaceMB, semi);
    const exact = gc.youngGeneration(gc.flagsInEffect(['--max-old-space-size=1000'], ''), (1000 + 3 * semi) * MB);
    assert.equal(exact.maxSemiSpaceMB, semi);
    assert.match(exact.source, /minus --max-old-space-size=1000/);
  }
  const flagged = gc.youngGeneration(gc.flagsInEffect([], '--max-semi-space-size=24'), 5000 * MB);
  assert.equal(flagged.maxSemiSpaceMB, 24);
  assert.equal(flagged.fromFlag, true);
});

test('throughput raises a small young generation (Node 20/22 style) and leaves a large one (Node 24 style) alone', () => {
  const small = planOn({ profile: 'throughput', memoryMB: 16384, semiMB: 16 });
  assert.equal(setting(small, 'max-semi-space-size').decision, 'set');
  assert.equal(setting(small, 'max-semi-space-size').value, 64);
  assert.equal(setting(small, 'min-semi-space-size').decision, 'set');
  const large = planOn({ profile: 'throughput', memoryMB: 16384, semiMB: 64 });
  assert.equal(setting(large, 'max-semi-space-size').decision, 'left alone');
  assert.match(setting(large, 'max-semi-space-size').because, /64 MB semi-spaces, already >= the profile's 64 MB/);
  assert.equal(setting(large, 'min-semi-space-size').decision, 'left alone');
});

test('memory: a young generation above 32 MB (Node 24 style) is lowered to 32 MB instead of --optimize-for-size; a smaller one gets --optimize-for-size and 8 MB', () => {
  const plan = planOn({ profile: 'memory', memoryMB: 16384, semiMB: 64 });
  const semi = setting(plan, 'max-semi-space-size');
  assert.equal(semi.decision, 'set');
  assert.equal(semi.value, 32);
  assert.equal(setting(plan, 'optimize-for-size').decision, 'left alone');
  assert.match(setting(plan, 'optimize-for-size').because, /lowered young generation already cuts peak RSS/);
  for (const small of [16, 32]) {
    const p = planOn({ profile: 'memory', memoryMB: 16384, semiMB: small });
    assert.equal(setting(p, 'optimize-for-size').decision, 'set', `${small} MB (Node 20/22/26 style)`);
    assert.equal(setting(p, 'optimize-for-size').stage, 'run');
    assert.equal(setting(p, 'max-semi-space-size').decision, 'set');
    assert.equal(setting(p, 'max-semi-space-size').value, 8);
  }
  const tiny = planOn({ profile: 'memory', memoryMB: 16384, semiMB: 4 });
  assert.equal(setting(tiny, 'max-semi-space-size').decision, 'left alone', 'never raised by the memory profile');
  assert.equal(setting(tiny, 'optimize-for-size').decision, 'set');
  // Through the launcher: the profile's own sizes are recognised, and decide the tier.
  const launched24 = planOn({ profile: 'memory', memoryMB: 16384, semiMB: 32, flags: '--max-semi-space-size=32' });
  assert.equal(setting(launched24, 'max-semi-space-size').decision, 'set');
  assert.equal(setting(launched24, 'optimize-for-size').decision, 'left alone');
  const launched20 = planOn({ profile: 'memory', memoryMB: 16384, semiMB: 8, flags: '--max-semi-space-size=8' });
  assert.equal(setting(launched20, 'max-semi-space-size').decision, 'set');
  assert.equal(setting(launched20, 'optimize-for-size').decision, 'set');
  // A user's own young generation is kept, and the profile falls back to --optimize-for-size.
  const own = planOn({ profile: 'memory', memoryMB: 16384, semiMB: 16, flags: '--max-semi-space-size=16' });
  assert.equal(setting(own, 'max-semi-space-size').decision, 'left alone');
  assert.equal(setting(own, 'optimize-for-size').decision, 'set');
});

test('a faked small container: balanced lowers an oversized young generation and caps the heap under the limit', () => {
  const plan = planOn({ profile: 'balanced', memoryMB: 512, semiMB: 64, oldMB: 2048 });
  const semi = setting(plan, 'max-semi-space-size');
  assert.equal(semi.decision, 'set');
  assert.ok(3 * semi.value <= 512 / 8, `${semi.value} MB semi-spaces in 512 MB`);
  const old = setting(plan, 'max-old-space-size');
  assert.equal(old.decision, 'set');
  assert.ok(old.value + 3 * semi.value <= 0.75 * 512, `heap ${old.value} + young ${3 * semi.value} within 3/4 of 512 MB`);
  const roomy = planOn({ profile: 'balanced', memoryMB: 65536, semiMB: 64 });
  assert.equal(setting(roomy, 'max-old-space-size').decision, 'left alone');
  const explicit = planOn({ profile: 'balanced', memoryMB: 512, semiMB: 64, oldMB: 2048, flags: '--max-old-space-size=2048' });
  assert.equal(setting(explicit, 'max-old-space-size').decision, 'left alone', "the user's own heap limit is kept");
  assert.match(setting(explicit, 'max-old-space-size').because, /set explicitly to 2048 MB/);
});

test('AFTERBURNER_GC_MEMORY_LIMIT fakes a container for the register; a bad value warns and is ignored', () => {
  const code = `console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().gc))`;
  const { status, json, stderr } = runNode(code, { env: { AFTERBURNER_GC_MEMORY_LIMIT: '256m' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.memory.limitMB, 256);
  assert.equal(json.memory.source, 'AFTERBURNER_GC_MEMORY_LIMIT=256m');
  const heap = json.missing.find((m) => m.setting.startsWith('--max-old-space-size='));
  assert.ok(heap, `a 256 MB container needs a heap cap: ${JSON.stringify(json.missing)}`);
  assert.match(heap.line, /^NODE_OPTIONS="--max-old-space-size=\d+"$/);
  const bad = runNode(code, { env: { AFTERBURNER_GC_MEMORY_LIMIT: 'lots' } });
  assert.equal(bad.status, 0, bad.stderr);
  assert.match(bad.stderr, /ignoring AFTERBURNER_GC_MEMORY_LIMIT="lots": accepted values are a size/);
  assert.notEqual(bad.json.memory.source, 'AFTERBURNER_GC_MEMORY_LIMIT=lots');
});
