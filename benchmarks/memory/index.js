#!/usr/bin/env node
'use strict';
// memory benchmark: objgraph-style counting on a large heap, with and without a heap snapshot.
//   node benchmarks/memory/index.js [--quick] [--rounds n] [--heap-mb n]
// Each measurement is its own process (peak RSS is per process): it builds a heap of about
// --heap-mb MB (records of a service's shape: a class instance, strings, arrays, nested objects),
// resets the kernel's peak-RSS mark (/proc/self/clear_refs), runs one method once, and reports
// the time the call took (count/byType are synchronous: all of it blocks the thread; for the
// snapshot methods `snapshotMs` is the blocking part), the peak RSS above the RSS before the
// call, and whether the answer is exact. Methods are interleaved per round; medians over rounds.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { median, report } = require('../lib/harness');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = opt('--rounds', quick ? 1 : 3);
const heapMB = opt('--heap-mb', quick ? 60 : 200);

const METHODS = {
  'memory.count(Record)': 'count',
  "memory.count('Record')": 'countName',
  'memory.byType(Record)': 'byType',
  'memory.growth({ types: [Record] })': 'growthTypes',
  'v8.queryObjects(Record) (node, 20.13+)': 'v8query',
  'memory.mostCommonTypes(10) (snapshot)': 'mostCommon',
  'memory.growth(10) (snapshot)': 'growthSnapshot',
};

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]));
} else {
  main();
}

function main() {
  const names = Object.keys(METHODS);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const run = spawnSync(process.execPath, ['--max-old-space-size=4096', __filename, '--child', METHODS[name], String(heapMB)], { encoding: 'utf8', timeout: 600000 });
      const line = (run.stdout || '').trim().split('\n').pop();
      let sample;
      try {
        sample = JSON.parse(line);
      } catch {
        throw new Error(`${name} failed (${run.status ?? run.signal}): ${run.stderr}`);
      }
      if (sample.skipped) {
        samples[name] = null;
        continue;
      }
      samples[name]?.push(sample);
      process.stderr.write(`round ${r + 1}/${rounds} ${name}: ${sample.ms.toFixed(0)} ms, +${sample.peakMB.toFixed(0)} MB peak\n`);
    }
  }
  const rows = names
    .filter((n) => samples[n] && samples[n].length)
    .map((n) => {
      const s = samples[n];
      return {
        row: n,
        'heap MB': median(s.map((x) => x.heapMB)),
        ms: median(s.map((x) => x.ms)),
        'blocking ms': median(s.map((x) => x.blockingMs)),
        'peak RSS +MB': median(s.map((x) => x.peakMB)),
        'Record count': s[0].count,
        exact: s.every((x) => x.count === x.expected) ? 'yes' : `no (expected ${s[0].expected})`,
      };
    });
  const base = rows.find((r) => r.row.startsWith('memory.mostCommonTypes'));
  for (const r of rows) r['ms vs snapshot'] = base ? r.ms / base.ms : NaN;
  report(`memory: counting instances on a ${heapMB} MB heap`, rows, {
    keys: ['ms', 'blocking ms', 'peak RSS +MB', 'ms vs snapshot'],
    notes: [
      `${rounds} round(s), one process per measurement, methods interleaved, medians; peak RSS +MB = VmHWM during the call minus RSS before it`,
      'blocking ms: the part that holds the event loop (count/byType/growth({ types }) are synchronous; a snapshot is written synchronously and read back in chunks)',
      ...(samples['v8.queryObjects(Record) (node, 20.13+)'] === null ? ['v8.queryObjects is not available on this node'] : []),
    ],
  });
}

function child(method, targetMB) {
  const fs = require('node:fs');
  const v8 = require('node:v8');
  const { memory } = require(path.join(__dirname, '..', '..'));
  class Record {
    constructor(i) {
      this.id = i;
      this.name = `record-${i}`;
      this.tags = ['a', 'b'];
      this.meta = { created: i * 1000, owner: { id: i % 1000 } };
    }
  }
  class Other {
    constructor(i) {
      this.i = i;
    }
  }
  const keep = [];
  let records = 0;
  while (v8.getHeapStatistics().used_heap_size < targetMB * 2 ** 20) {
    for (let i = 0; i < 10000; i++) {
      keep.push(new Record(records++), new Other(i));
    }
  }
  const rssMB = () => process.memoryUsage.rss() / 2 ** 20;
  const peakMB = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
  const heapMBNow = v8.getHeapStatistics().used_heap_size / 2 ** 20;
  const run = async () => {
    if (method === 'v8query' && typeof v8.queryObjects !== 'function') return { skipped: true };
    const before = rssMB();
    fs.writeFileSync('/proc/self/clear_refs', '5');
    const t0 = performance.now();
    let count;
    let blockingMs;
    if (method === 'count') count = memory.count(Record);
    else if (method === 'countName') count = memory.count('Record');
    else if (method === 'byType') count = memory.byType(Record).length;
    else if (method === 'growthTypes') count = (await memory.growth(5, { types: [Record] })).types[0].count;
    else if (method === 'v8query') {
      process.removeAllListeners('warning');
      count = v8.queryObjects(Record);
    } else if (method === 'mostCommon') {
      const res = await memory.mostCommonTypes(10);
      count = res.types.find((t) => t.type === 'Record')?.count;
      blockingMs = res.snapshot.snapshotMs;
    } else if (method === 'growthSnapshot') {
      const res = await memory.growth(10);
      count = res.types.find((t) => t.type === 'Record')?.count;
      blockingMs = res.snapshot.snapshotMs;
    }
    const ms = performance.now() - t0;
    return { ms, blockingMs: blockingMs ?? ms, peakMB: peakMB() - before, heapMB: heapMBNow, count, expected: records };
  };
  run().then((r) => {
    console.log(JSON.stringify(r));
    if (keep.length < 0) console.log(keep);
  });
}
