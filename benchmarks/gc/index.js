#!/usr/bin/env node
'use strict';
// gc benchmark: each variant runs the workload in its own process (heap flags and malloc arenas
// are per process), variants interleaved round-robin, medians of the repeats.
//   node benchmarks/gc/index.js [--quick] [--repeats n] [--ms n] [--starts n] [--only json,threadpool,threadpool-8,startup]
// Workloads: json (parse + stringify of a ~100 KB document, the last 40 kept), threadpool (gzip,
// scrypt, pbkdf2, deflate, file reads, 64 in flight, libuv's default 4 threads) and threadpool-8
// (the same with UV_THREADPOOL_SIZE=8).
// Variants: no tuning; the arena limit alone (MALLOC_ARENA_MAX in the environment, nothing else:
// threadpool workloads); each profile through the launcher (start-time + run-time parts); the
// register alone (run-time part only). Ratios are against no tuning. Then where VSZ goes (from
// /proc/self/maps) and the launcher's startup cost. The allocators (glibc, jemalloc, mimalloc) are
// compared on an HTTP service by malloc.js, run on its own (a full run takes 5-9 minutes).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { median, report } = require('../lib/harness');

const ROOT = path.resolve(__dirname, '..', '..');
const WORKER = path.join(__dirname, 'worker.js');
const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const REGISTER = path.join(ROOT, 'register.js');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const repeats = Number(opt('--repeats', quick ? 1 : 3));
const ms = Number(opt('--ms', quick ? 1500 : 4000));
const only = opt('--only', undefined);

function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AFTERBURNER') && k !== 'NODE_OPTIONS' && k !== 'MALLOC_ARENA_MAX' && k !== 'BENCH_JSON_OUT') env[k] = v;
  }
  // Only the gc patch differs between variants: the other patches stay off everywhere.
  return { ...env, AFTERBURNER_LOG: 'silent', AFTERBURNER_JSON: '0', AFTERBURNER_TIMERS: '0', AFTERBURNER_WEAK: '0', ...threadpoolEnv, ...extra };
}

let threadpoolEnv = {};

const VARIANTS = {
  'no tuning': (w) => ({ args: [WORKER, w, ms], env: cleanEnv() }),
  'MALLOC_ARENA_MAX=1 only': (w) => (w === 'json' ? undefined : { args: [WORKER, w, ms], env: cleanEnv({ MALLOC_ARENA_MAX: '1' }) }),
  'MALLOC_ARENA_MAX=2 only': (w) => (w === 'json' ? undefined : { args: [WORKER, w, ms], env: cleanEnv({ MALLOC_ARENA_MAX: '2' }) }),
  'throughput (launcher)': (w) => ({ args: [BIN, '--profile', 'throughput', WORKER, w, ms], env: cleanEnv() }),
  'balanced (launcher)': (w) => ({ args: [BIN, '--profile', 'balanced', WORKER, w, ms], env: cleanEnv() }),
  'memory (launcher)': (w) => ({ args: [BIN, '--profile', 'memory', WORKER, w, ms], env: cleanEnv() }),
  'balanced (register only)': (w) => ({ args: ['--require', REGISTER, WORKER, w, ms], env: cleanEnv({ AFTERBURNER_GC: 'balanced' }) }),
  'memory (register only)': (w) => ({ args: ['--require', REGISTER, WORKER, w, ms], env: cleanEnv({ AFTERBURNER_GC: 'memory' }) }),
};

function runOnce(variant, workload) {
  const { args: a, env } = VARIANTS[variant](workload);
  const run = spawnSync(process.execPath, a.map(String), { env, encoding: 'utf8', timeout: ms * 10 + 30000 });
  const line = (run.stdout || '').trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${variant} ${workload} failed (${run.status ?? run.signal}): ${run.stderr}`);
  }
}

const VSZ_PARTS = ['vszArenaMB', 'vszMainHeapMB', 'vszStacksMB', 'vszReservedMB', 'vszFilesMB', 'vszOtherMB'];
const METRICS = ['opsPerS', 'opsPerCpuS', 'scavenges', 'pauseMs', 'p99PauseMs', 'peakRssMB', 'rssMB', 'vszMB', 'arenaHeaps', ...VSZ_PARTS];

function measure(workload) {
  threadpoolEnv = workload === 'threadpool-8' ? { UV_THREADPOOL_SIZE: '8' } : {};
  workload = workload.replace(/-8$/, '');
  const names = Object.keys(VARIANTS).filter((v) => VARIANTS[v](workload) !== undefined);
  const samples = Object.fromEntries(names.map((v) => [v, []]));
  for (let r = 0; r < repeats; r++) for (const v of names) samples[v].push(runOnce(v, workload));
  const med = {};
  for (const [v, list] of Object.entries(samples)) med[v] = Object.fromEntries(METRICS.map((m) => [m, median(list.map((s) => s[m]))]));
  return med;
}

const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

function rowsFor(med) {
  const base = med['no tuning'];
  return Object.entries(med).map(([v, m]) => ({
    row: v,
    'ops/s': m.opsPerS,
    'ops/cpu-s': m.opsPerCpuS,
    'ops x': m.opsPerCpuS / base.opsPerCpuS,
    'wall ops x': m.opsPerS / base.opsPerS,
    scavenges: m.scavenges,
    'scav x': m.scavenges / Math.max(1, base.scavenges),
    'pause ms': m.pauseMs,
    'p99 ms': m.p99PauseMs,
    'peak RSS MB': m.peakRssMB,
    'peak x': m.peakRssMB / base.peakRssMB,
    'RSS MB': m.rssMB,
    'RSS x': m.rssMB / base.rssMB,
    'VSZ MB': m.vszMB,
    'VSZ x': m.vszMB / base.vszMB,
    arenas: m.arenaHeaps,
  }));
}

const major = Number(process.versions.node.split('.')[0]);
// Whether this runtime gets a heap flag from the throughput profile, as the profile itself decides.
const throughputSetsHeap = require('../../dist/gc').plan('throughput').settings.some((x) => x.key === 'max-semi-space-size' && x.decision === 'set');
const workloads = only ? only.split(',').filter((w) => w !== 'startup') : ['json', 'threadpool', 'threadpool-8'];
for (const workload of workloads) {
  const med = measure(workload);
  const base = med['no tuning'];
  const notes = [
    `${repeats} interleaved run(s) of ${ms} ms per variant, medians; arenas = 64 MB arena heaps in /proc/self/maps`,
    'ops x = ops per CPU-second of the whole process (GC helper and threadpool threads included) vs no tuning; wall ops x = ops per wall-clock second (noisy on a shared machine)',
  ];
  if (workload === 'json') {
    const t = med['throughput (launcher)'];
    const m = med['memory (launcher)'];
    const mr = med['memory (register only)'];
    notes.push(
      `target (Node 20/22): throughput profile >= 60% fewer scavenges and >= 8% more ops: ${pct(t.scavenges / base.scavenges - 1)} scavenges, ${pct(t.opsPerCpuS / base.opsPerCpuS - 1)} ops per CPU-s` +
        (throughputSetsHeap ? '' : ` (Node ${major}'s default young generation is already that large: the profile sets no heap flag)`),
      `target (Node 24): memory profile >= 25% lower peak RSS, throughput cost printed: launcher ${pct(m.peakRssMB / base.peakRssMB - 1)} peak RSS at ${pct(m.opsPerCpuS / base.opsPerCpuS - 1)} ops per CPU-s; register only ${pct(mr.peakRssMB / base.peakRssMB - 1)} at ${pct(mr.opsPerCpuS / base.opsPerCpuS - 1)}`,
    );
  } else {
    const b = med['balanced (launcher)'];
    const line = (name, m) => `${name} ${pct(m.vszMB / base.vszMB - 1)} VSZ, ${pct(m.rssMB / base.rssMB - 1)} RSS, ${pct(m.opsPerCpuS / base.opsPerCpuS - 1)} ops per CPU-s (${pct(m.opsPerS / base.opsPerS - 1)} wall)`;
    const balancedArenas = require('../../dist/gc').plan('balanced').arenaMax;
    notes.push(
      `target: arena limit >= 40% lower VSZ and >= 20% lower RSS at equal throughput (+-3%): ${line('balanced via launcher', b)} (MALLOC_ARENA_MAX=${balancedArenas} here); ${line('MALLOC_ARENA_MAX=1 only', med['MALLOC_ARENA_MAX=1 only'])}; ${line('=2 only', med['MALLOC_ARENA_MAX=2 only'])}`,
      `VSZ floor: without a single arena heap, VSZ would still be ${Math.round(base.vszMB - base.vszArenaMB)} MB (${pct(-base.vszArenaMB / base.vszMB)} at most from arenas); see the VSZ table`,
    );
  }
  report(`gc: ${workload === 'json' ? 'json' : `${workload} (${threadpoolEnv.UV_THREADPOOL_SIZE ?? 4} threads)`} workload`, rowsFor(med), {
    keys: workload === 'json' ? ['ops x', 'scav x', 'peak x', 'p99 ms'] : ['ops x', 'VSZ x', 'RSS x', 'arenas'],
    notes,
  });
  if (workload !== 'json' && !threadpoolEnv.UV_THREADPOOL_SIZE) {
    // Where the address space goes, so a VSZ ratio can be read against what no allocator setting can move.
    const vszRows = ['no tuning', 'MALLOC_ARENA_MAX=1 only', 'MALLOC_ARENA_MAX=2 only', 'balanced (launcher)', 'memory (launcher)'].map((v) => ({
      row: v,
      'VSZ MB': med[v].vszMB,
      'arena heaps': med[v].vszArenaMB,
      'main heap': med[v].vszMainHeapMB,
      'thread stacks': med[v].vszStacksMB,
      'V8 reservations': med[v].vszReservedMB,
      files: med[v].vszFilesMB,
      other: med[v].vszOtherMB,
    }));
    report('gc: where VSZ goes, threadpool workload (MB, medians)', vszRows, {
      keys: ['VSZ MB', 'arena heaps', 'V8 reservations'],
      notes: [
        "arena heaps: glibc's 64 MB per-thread heaps; main heap: brk ([heap], resident); thread stacks: 8 MB reservations (libuv threadpool, V8 workers, node); V8 reservations: anonymous regions >= 32 MB (the 512 MB code range, and on Node 24/26 fixed 128 + 256 MB regions: reserved, not resident, no flag shrinks them)",
      ],
    });
  }
}

// Launcher startup: wall time to start and exit, interleaved, medians. `node -e 0` is the floor,
// `node -r register -e 0` what the register costs, the launcher adds one more node start (until it
// replaces itself with process.execve, or spawns a child where node has no execve).
if (!only || only.split(',').includes('startup')) {
  const empty = path.join(require('node:os').tmpdir(), `ab-empty-${process.pid}.js`);
  require('node:fs').writeFileSync(empty, '');
  const starts = {
    'node -e 0': ['-e', '0'],
    'node -r register -e 0': ['--require', REGISTER, '-e', '0'],
    'afterburner <empty script>': [BIN, empty],
  };
  const times = Object.fromEntries(Object.keys(starts).map((k) => [k, []]));
  for (let r = 0; r < (quick ? 7 : Number(opt('--starts', 21))); r++) {
    for (const [name, a] of Object.entries(starts)) {
      const t0 = performance.now();
      const run = spawnSync(process.execPath, a, { env: cleanEnv(), stdio: 'ignore' });
      if (run.status !== 0) throw new Error(`${name} exited with ${run.status ?? run.signal}`);
      times[name].push(performance.now() - t0);
    }
  }
  require('node:fs').rmSync(empty, { force: true });
  const base = median(times['node -e 0']);
  const reg = median(times['node -r register -e 0']);
  const rows = Object.entries(times).map(([row, t]) => ({ row, 'start ms': median(t), 'x bare': median(t) / base, 'added ms': median(t) - base, 'added vs register ms': median(t) - reg }));
  report('gc: launcher startup', rows, {
    keys: ['start ms', 'added ms', 'added vs register ms'],
    notes: [
      `${times['node -e 0'].length} interleaved starts each, medians; "added vs register" is the launcher's own cost (one node start plus its few modules). Target: the launcher adds < 100 ms (${typeof process.execve === 'function' ? 'exec mode: process.execve' : 'child mode: no process.execve in this Node'})`,
    ],
  });
}
