#!/usr/bin/env node
'use strict';
// Weak handlers: what a call costs compared with a plain bound handler, and what churn leaves in
// memory with each. `node benchmarks/weak/index.js [--quick] [--snapshot-mb N]`
//   --snapshot-mb N  also measures the leak diagnostics on a heap grown to N MB: how long the
//                    snapshot blocks, how long reading it takes, and the process's peak RSS.
const { spawnSync } = require('node:child_process');
const { EventEmitter } = require('node:events');
const path = require('node:path');
const { compare, report } = require('../lib/harness');
const { weak, memory } = require('../..');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const snapshotAt = args.indexOf('--snapshot-mb');
const snapshotMb = snapshotAt >= 0 ? Number(args[snapshotAt + 1]) : 0;

class Connection {
  constructor() {
    this.bytes = 0;
  }
  onData(chunk) {
    this.bytes += chunk.length;
  }
}

function onDataFn(chunk) {
  this.bytes += chunk.length;
}

// --- child modes --------------------------------------------------------------------------
if (args[0] === '--churn') {
  const mode = args[1];
  const count = Number(args[2]);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const payload = () => new Array(128).fill(0); // ~1 KB per connection
  // A plain function: an async one would keep its last `c` in the suspended generator's registers.
  const churn = () => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const c = new Connection();
      c.buffer = payload();
      if (mode === 'plain') bus.on('data', c.onData.bind(c));
      else weak.onWeak(bus, 'data', c, 'onData');
      if (i % 1000 === 0) bus.emit('data', 'x');
    }
    return performance.now() - t0;
  };
  const run = async () => {
    await memory.forceGC({ rounds: 2 });
    const base = process.memoryUsage().heapUsed;
    const churnMs = churn();
    await memory.forceGC({ rounds: 8, until: () => mode === 'plain' || bus.listenerCount('data') === 0 });
    // What the finalizers released (registrations, closures) is garbage only after they ran.
    await memory.forceGC({ rounds: 2 });
    const heapMb = (process.memoryUsage().heapUsed - base) / 1048576;
    console.log(JSON.stringify({ heapMb, listeners: bus.listenerCount('data'), churnMs }));
  };
  run();
  return;
}

if (args[0] === '--snapshot-child') {
  const mb = Number(args[1]);
  class Item {
    constructor(i, parent) {
      this.id = i;
      this.name = `item-${i}`;
      this.tags = [i & 7, i & 3];
      this.parent = parent;
    }
  }
  const keep = [];
  let prev = null;
  while (process.memoryUsage().heapUsed < mb * 1048576) {
    for (let i = 0; i < 10000; i++) keep.push((prev = new Item(keep.length, prev)));
  }
  const heapMb = process.memoryUsage().heapUsed / 1048576;
  const rssBefore = process.memoryUsage().rss / 1048576;
  (async () => {
    const types = await memory.mostCommonTypes(3);
    const afterTypes = process.resourceUsage().maxRSS / 1024;
    const chain = await memory.retainerChain(keep[keep.length >> 1], { maxDepth: 20 });
    const afterChain = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ heapMb, rssBefore, types: types.snapshot, top: types.types[0], chain: chain.snapshot, found: chain.found, afterTypes, afterChain }));
  })();
  return;
}

// --- per-call overhead ----------------------------------------------------------------------
const EMITS = 1000;
const chunk = 'xxxxxxxx';

function emitter(register) {
  const bus = new EventEmitter();
  const owner = new Connection();
  register(bus, owner);
  return { bus, owner };
}

const setups = {
  'bound (plain)': (bus, c) => bus.on('data', c.onData.bind(c)),
  'weakHandler by name': (bus, c) => bus.on('data', weak.weakHandler(c, 'onData')),
  'weakHandler with function': (bus, c) => bus.on('data', weak.weakHandler(c, onDataFn)),
  'onWeak by name': (bus, c) => weak.onWeak(bus, 'data', c, 'onData'),
  'onWeak with function': (bus, c) => weak.onWeak(bus, 'data', c, onDataFn),
};

const rows = [];
for (const listeners of [1, 10]) {
  const variants = {};
  for (const [name, setup] of Object.entries(setups)) {
    const bus = new EventEmitter();
    const owners = [];
    for (let l = 0; l < listeners; l++) {
      const c = new Connection();
      owners.push(c);
      setup(bus, c);
    }
    variants[name] = () => {
      for (let i = 0; i < EMITS; i++) bus.emit('data', chunk);
      return owners;
    };
  }
  const samples = [];
  const rounds = quick ? 3 : 7;
  for (let r = 0; r < rounds; r++) samples.push(compare(variants, { repeats: quick ? 5 : 9, sampleMs: quick ? 30 : 60 }));
  const med = (name) => samples.map((s) => s[name]).sort((a, b) => a - b)[samples.length >> 1];
  const base = med('bound (plain)');
  for (const name of Object.keys(setups)) {
    const ms = med(name);
    rows.push({ row: `${name}, ${listeners} listener${listeners > 1 ? 's' : ''}`, 'ns/emit': (ms / EMITS) * 1e6, 'x bound': ms / base });
  }
}

// Direct calls, no emitter: the bare cost of the WeakRef hop.
{
  const c = new Connection();
  const bound = c.onData.bind(c);
  const byName = weak.weakHandler(c, 'onData');
  const N = 10000;
  const times = compare(
    {
      bound: () => {
        for (let i = 0; i < N; i++) bound(chunk);
      },
      weak: () => {
        for (let i = 0; i < N; i++) byName(chunk);
      },
    },
    { repeats: quick ? 5 : 11 },
  );
  rows.push({ row: 'direct call: weakHandler vs bound', 'ns/emit': (times.weak / N) * 1e6, 'x bound': times.weak / times.bound });
}

// One emit per job, as when each I/O callback emits once: every call then misses the per-job
// cache, pays WeakRef#deref() and schedules the microtask that releases the cell. Measured as a
// chain of microtasks (one emit each; the release microtask runs in between), which keeps the
// loop's own cost small enough for the difference to show.
async function perTurn() {
  const TURNS = quick ? 20000 : 50000;
  const make = (register) => {
    const bus = new EventEmitter();
    const c = new Connection();
    register(bus, c);
    return { bus, c };
  };
  const variants = { 'bound (plain)': make(setups['bound (plain)']), 'onWeak by name': make(setups['onWeak by name']) };
  const samples = { 'bound (plain)': [], 'onWeak by name': [] };
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    for (const [name, { bus }] of Object.entries(variants)) {
      const t0 = performance.now();
      for (let i = 0; i < TURNS; i++) {
        bus.emit('data', chunk);
        await null;
      }
      samples[name].push((performance.now() - t0) / TURNS);
    }
  }
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const base = med(samples['bound (plain)']);
  for (const name of Object.keys(samples)) {
    const ms = med(samples[name]);
    rows.push({ row: `${name}, one emit per job (cache miss)`, 'ns/emit': ms * 1e6, 'x bound': ms / base });
  }
}

async function main() {
await perTurn();
report('weak handlers: per-emit cost vs a plain bound handler (target < 2x)', rows, { keys: ['ns/emit', 'x bound'] });

// --- memory after churn ---------------------------------------------------------------------
const COUNT = quick ? 5000 : 20000;
const churn = {};
for (const mode of ['plain', 'weak']) {
  const run = spawnSync(process.execPath, ['--expose-gc', __filename, '--churn', mode, String(COUNT)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`churn child failed: ${run.stderr}`);
  churn[mode] = JSON.parse(run.stdout.trim().split('\n').pop());
}
report(
  `memory after churn: ${COUNT} connections (~1 KB each) registered on a long-lived emitter and dropped, after GC`,
  [
    { row: 'plain bound listener', 'heap MB': churn.plain.heapMb, listeners: churn.plain.listeners, 'churn ms': churn.plain.churnMs },
    { row: 'onWeak', 'heap MB': churn.weak.heapMb, listeners: churn.weak.listeners, 'churn ms': churn.weak.churnMs },
  ],
  { keys: ['heap MB', 'listeners', 'churn ms'], notes: [`weak keeps ${((churn.weak.heapMb / churn.plain.heapMb) * 100).toFixed(1)} % of the plain variant's retained heap`] },
);

// --- leak diagnostics on a big heap (opt-in: minutes on a large heap) ----------------------------
if (snapshotMb > 0) {
  const run = spawnSync(process.execPath, [__filename, '--snapshot-child', String(snapshotMb)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`snapshot child failed: ${run.stderr}`);
  const r = JSON.parse(run.stdout.trim().split('\n').pop());
  report(
    `leak diagnostics on a ${r.heapMb.toFixed(0)} MB heap (RSS ${r.rssBefore.toFixed(0)} MB before)`,
    [
      { row: 'mostCommonTypes (no edges kept)', 'snapshot s': r.types.snapshotMs / 1000, 'read s': r.types.parseMs / 1000, 'file MB': r.types.bytes / 1048576, 'peak RSS MB': r.afterTypes },
      { row: 'retainerChain (edges kept)', 'snapshot s': r.chain.snapshotMs / 1000, 'read s': r.chain.parseMs / 1000, 'file MB': r.chain.bytes / 1048576, 'peak RSS MB': r.afterChain },
    ],
    { keys: ['snapshot s', 'read s', 'peak RSS MB'], notes: [`nodes ${r.types.nodes}, edges ${r.types.edges}; top type ${r.top.type} x${r.top.count}; chain found: ${r.found}`, 'peak RSS is the whole process: V8 builds its own snapshot graph while writing the file'] },
  );
}
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
