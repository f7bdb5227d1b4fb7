'use strict';
// gc.memory() (the pmap-style report), gc.stats() (GC accounting) and the idle malloc_trim: fields
// present and consistent with each other and with what the kernel reports; graceful without glibc
// figures; trimming only when idle.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runNode, ROOT } = require('./helpers');
// The public gc namespace plus what it is built from (not public API): these tests check both.
const gc = require('../dist/gc/internal.js');

const NATIVE = fs.existsSync(path.join(ROOT, 'build', 'Release', 'afterburner.node'));
const LINUX = process.platform === 'linux';

test('memory(): sizes present and consistent', () => {
  const m = gc.memory();
  assert.ok(m.rssMB > 5 && m.rssMB < 100000, `rss ${m.rssMB}`);
  for (const space of ['new_space', 'old_space', 'code_space']) {
    assert.ok(m.heapSpaces[space], `${space} in ${Object.keys(m.heapSpaces)}`);
    assert.ok(m.heapSpaces[space].usedMB <= m.heapSpaces[space].sizeMB + 0.01);
  }
  const spaces = Object.values(m.heapSpaces).reduce((a, s) => a + s.sizeMB, 0);
  assert.ok(Math.abs(spaces - m.heap.totalMB) < 1, `spaces ${spaces} vs total ${m.heap.totalMB}`);
  assert.ok(m.heap.usedMB <= m.heap.totalMB && m.heap.totalMB <= m.heap.limitMB);
  if (LINUX) {
    assert.ok(m.vszMB > m.rssMB, `vsz ${m.vszMB} > rss ${m.rssMB}`);
    assert.ok(m.peakRssMB >= m.rssMB - 1);
    assert.ok(m.arenaMappings.count >= 0);
    assert.equal(m.arenaMappings.reservedMB, 64 * m.arenaMappings.count);
    assert.ok(m.arenaMappings.committedMB <= m.arenaMappings.reservedMB);
  }
});

test('memory(): glibc figures from the addon agree with /proc/self/maps', { skip: (!NATIVE || !LINUX || !gc.glibcVersion()) && 'needs Linux, glibc and the addon' }, () => {
  const m = gc.memory();
  assert.match(m.glibc, /^2\.\d+$/);
  assert.ok(m.arenas >= 1);
  // Each arena but the main one lives in at least one 64 MB heap mapping.
  assert.ok(m.arenaMappings.count >= m.arenas - 1, `${m.arenaMappings.count} heaps for ${m.arenas} arenas`);
  assert.ok(m.mallinfo2.uordblks > 0, 'bytes in use');
  for (const k of ['arena', 'ordblks', 'hblks', 'hblkhd', 'uordblks', 'fordblks', 'keepcost']) assert.equal(typeof m.mallinfo2[k], 'number', k);
  assert.deepEqual(m.notes, []);
});

test('memory() without the addon says what is missing instead of throwing', () => {
  const { status, json, stderr } = runNode(`console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).gc.memory()))`, { preload: 'none', env: { AFTERBURNER_NATIVE: '0' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.arenas, null);
  assert.equal(json.mallinfo2, null);
  assert.ok(json.rssMB > 0);
  if (LINUX && json.glibc) assert.ok(json.notes.some((n) => /need the native addon: disabled by AFTERBURNER_NATIVE=0/.test(n)), JSON.stringify(json.notes));
});

test('the 64 MB arena heaps are recognised in a maps listing', () => {
  const maps = [
    '55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0                          [heap]',
    '7f0a28000000-7f0a28a3c000 rw-p 00000000 00:00 0 ',
    '7f0a28a3c000-7f0a2c000000 ---p 00000000 00:00 0 ',
    '7f0a2c000000-7f0a30000000 rw-p 00000000 00:00 0 ',
    '7f0a31000000-7f0a35000000 rw-p 00000000 00:00 0 ',
    '7f0a38000000-7f0a38200000 rw-p 00000000 08:01 1234 /usr/lib/libfoo.so',
    '7f0a3c000000-7f0a3c100000 rw-p 00000000 00:00 0 ',
  ].join('\n');
  const found = gc.arenaMappingsFromMaps(maps);
  // The first two (split rw/--- and one full rw) are 64 MB-aligned 64 MB regions; the third is
  // 64 MB long but not aligned, the others are too small or file-backed.
  assert.deepEqual(
    found.map((f) => [f.start, f.reservedMB, Math.round(f.committedMB)]),
    [
      ['0x7f0a28000000', 64, 10],
      ['0x7f0a2c000000', 64, 64],
    ],
  );
});

test('stats(): scavenges counted with pause percentiles once work has allocated', () => {
  const { status, json, stderr } = runNode(
    `const ab = require(${JSON.stringify(ROOT)});
     const keep = []; let n = 0;
     const t = setInterval(() => { for (let i = 0; i < 20000; i++) keep[i % 1000] = { i, s: 'x'.repeat(20) }; if (++n === 40) { clearInterval(t); setTimeout(() => console.log(JSON.stringify({ stats: ab.gc.stats(), status: ab.status().gc.stats })), 50); } }, 1);`,
    { env: { AFTERBURNER_GC: 'balanced' } },
  );
  assert.equal(status, 0, stderr);
  const s = json.stats;
  assert.equal(s.observing, true);
  assert.ok(s.byKind.scavenge && s.byKind.scavenge.count > 0, JSON.stringify(s));
  const sc = s.byKind.scavenge;
  assert.ok(sc.p50Ms <= sc.p99Ms && sc.p99Ms <= sc.maxMs, JSON.stringify(sc));
  assert.ok(sc.totalMs >= sc.maxMs);
  assert.equal(s.total.count, Object.values(s.byKind).reduce((a, k) => a + k.count, 0));
  assert.equal(json.status.total.count >= 0, true);
});

const TRIM_CHILD = (busy) => `
const ab = require(${JSON.stringify(ROOT)});
ab.install({ gc: { profile: 'memory', trimIntervalS: 1 } });
let held = [];
for (let i = 0; i < 4000; i++) held.push(Buffer.allocUnsafeSlow(24 * 1024).fill(i));
held = null;
global.gc();
const end = Date.now() + 3500;
${busy ? 'setImmediate(function spin() { const t = Date.now() + 40; while (Date.now() < t); if (Date.now() < end) setImmediate(spin); });' : ''}
setTimeout(() => console.log(JSON.stringify(ab.status().gc.trim)), 3600);
`;

test('malloc_trim runs when the loop is idle after a major GC, and not while it is busy', { skip: (!NATIVE || !gc.glibcVersion()) && 'needs glibc and the addon' }, () => {
  const idle = runNode(TRIM_CHILD(false), { preload: 'none', args: ['--expose-gc'] });
  assert.equal(idle.status, 0, idle.stderr);
  assert.equal(idle.json.enabled, true);
  assert.ok(idle.json.trims >= 1, JSON.stringify(idle.json));
  assert.ok(idle.json.lastMs >= 0);
  const busy = runNode(TRIM_CHILD(true), { preload: 'none', args: ['--expose-gc'] });
  assert.equal(busy.status, 0, busy.stderr);
  assert.equal(busy.json.trims, 0, JSON.stringify(busy.json));
  assert.ok(busy.json.skippedBusy >= 1, JSON.stringify(busy.json));
});

test('uninstall stops accounting and trimming; --optimize-for-size is undone', () => {
  const { status, json, stderr } = runNode(
    `const ab = require(${JSON.stringify(ROOT)});
     const on = ab.install({ gc: 'memory' }).gc;
     ab.uninstall();
     console.log(JSON.stringify({ on: on.runtimeFlags, flags: require(${JSON.stringify(`${ROOT}/dist/gc/internal.js`)}).appliedRuntimeFlags(), after: ab.status().gc.active }));`,
    // A young generation the profile does not lower (every version): memory then sets --optimize-for-size.
    { preload: 'none', args: ['--max-semi-space-size=16'] },
  );
  assert.equal(status, 0, stderr);
  assert.deepEqual(json.on, ['--optimize-for-size']);
  assert.deepEqual(json.flags, ['--optimize-for-size', '--no-optimize-for-size']);
  assert.equal(json.after, false);
});

test('memory().vsz: every mapping counted once, in the category its shape says', () => {
  const MB = 0x100000;
  const hex = (n) => n.toString(16).padStart(12, '0');
  const line = (start, size, perms, path = '') => `${hex(start)}-${hex(start + size)} ${perms} 00000000 00:00 ${path ? 1234 : 0}      ${path}`;
  const base = 0x7f0000000000;
  const maps = [
    line(0x400000, 40 * MB, 'r-xp', '/usr/bin/node'),
    line(0x3000000, 10 * MB, 'rw-p', '[heap]'),
    // A glibc arena heap: 64 MB-aligned, 3 MB in use, the rest PROT_NONE.
    line(base, 3 * MB, 'rw-p'),
    line(base + 3 * MB, 61 * MB, '---p'),
    // A thread stack: a 4 KB guard below 8 MB.
    line(base + 64 * MB, 0x1000, '---p'),
    line(base + 64 * MB + 0x1000, 8 * MB, 'rw-p'),
    // V8's code range: one 512 MB reservation.
    line(base + 128 * MB, 512 * MB, '---p'),
    line(base + 700 * MB, 1 * MB, 'rw-p'),
  ].join('\n');
  const v = gc.vszBreakdownFromMaps(maps);
  assert.equal(v.filesMB, 40);
  assert.equal(v.mainHeapMB, 10);
  assert.equal(v.arenaHeapsMB, 64);
  assert.equal(v.threadStacks, 1);
  assert.equal(v.threadStacksMB, Math.round((8 + 1 / 256) * 100) / 100);
  assert.deepEqual(v.largeReservations, [512]);
  assert.equal(v.otherMB, 1);
  const parts = v.filesMB + v.mainHeapMB + v.arenaHeapsMB + v.threadStacksMB + v.largeReservationsMB + v.otherMB;
  assert.ok(Math.abs(parts - v.totalMB) < 0.05, `${parts} vs ${v.totalMB}`);
});

test('memory().vsz of this process adds up to VmSize', { skip: !LINUX && '/proc is Linux-only' }, () => {
  const m = gc.memory();
  const v = m.vsz;
  const parts = v.filesMB + v.mainHeapMB + v.arenaHeapsMB + v.threadStacksMB + v.largeReservationsMB + v.otherMB;
  assert.ok(Math.abs(parts - v.totalMB) < 0.1, `${parts} vs ${v.totalMB}`);
  // maps and status are read a moment apart; a few MB may move in between.
  assert.ok(Math.abs(v.totalMB - m.vszMB) < 64, `maps ${v.totalMB} MB vs VmSize ${m.vszMB} MB`);
  assert.equal(v.arenaHeapsMB, m.arenaMappings.reservedMB);
  assert.ok(v.filesMB > 10, 'the node binary is mapped');
  assert.ok(v.threadStacks >= 2, 'the main stack and at least one thread');
});
