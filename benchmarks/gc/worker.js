'use strict';
// One measured run, in its own process (heap flags and malloc arenas are per process):
//   node worker.js json|threadpool <ms>
// Prints one JSON line: ops/s, GC counts and pauses, peak RSS, VSZ, arena mappings.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { arenaMappingsFromMaps, vszBreakdownFromMaps } = require('../../dist/gc/memory.js');

const [workload = 'json', msText = '4000'] = process.argv.slice(2);
const durationMs = Number(msText);

const pauses = [];
let scavenges = 0;
let scavengeMs = 0;
let majors = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = e.detail ? e.detail.kind : e.kind;
    pauses.push(e.duration);
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      scavenges++;
      scavengeMs += e.duration;
    } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  }
});
obs.observe({ entryTypes: ['gc'] });

function procStatus() {
  const out = {};
  for (const line of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) / 1024;
  }
  return out;
}

// A ~100 KB document of mixed records, the shape of a typical API response.
function makeDoc() {
  const items = [];
  for (let i = 0; i < 330; i++) {
    items.push({
      id: i,
      uuid: `id-${(i * 2654435761) % 4294967296}`,
      name: `user ${i} ${'x'.repeat(i % 17)}`,
      active: i % 3 === 0,
      score: i * 1.25,
      tags: ['a', 'bb', 'ccc'].slice(0, 1 + (i % 3)),
      address: { street: `${i} Main St`, city: 'Springfield', zip: String(10000 + i) },
      history: [i, i + 1, i + 2, i * 3],
    });
  }
  return JSON.stringify({ count: items.length, items });
}

// CPU time of the whole process (main thread, GC helpers, threadpool): on a shared, loaded machine
// ops per CPU-second is a steadier throughput measure than ops per wall-clock second.
const cpuStart = process.cpuUsage();

function finish(ops, elapsedMs, extra = {}) {
  const cpu = process.cpuUsage(cpuStart);
  setTimeout(() => {
    obs.disconnect();
    const st = procStatus();
    const sorted = [...pauses].sort((a, b) => a - b);
    const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] : 0;
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const arenas = arenaMappingsFromMaps(maps).length;
    const v = vszBreakdownFromMaps(maps);
    console.log(
      JSON.stringify({
        opsPerS: (ops * 1000) / elapsedMs,
        opsPerCpuS: (ops * 1e6) / (cpu.user + cpu.system),
        scavenges,
        scavengeMs,
        majors,
        pauseMs: pauses.reduce((a, b) => a + b, 0),
        p99PauseMs: p99,
        peakRssMB: st.VmHWM,
        rssMB: st.VmRSS,
        vszMB: st.VmSize,
        arenaHeaps: arenas,
        vszArenaMB: v.arenaHeapsMB,
        vszMainHeapMB: v.mainHeapMB,
        vszStacksMB: v.threadStacksMB,
        vszReservedMB: v.largeReservationsMB,
        vszFilesMB: v.filesMB,
        vszOtherMB: v.otherMB,
        ...extra,
      }),
    );
  }, 20);
}

function runJson() {
  const text = makeDoc();
  const keep = [];
  let ops = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  (function slice() {
    const stop = Math.min(end, performance.now() + 50);
    while (performance.now() < stop) {
      const doc = JSON.parse(text);
      doc.items[ops % doc.items.length].seen = ops;
      const out = JSON.stringify(doc);
      keep.push(doc, out);
      if (keep.length > 80) keep.splice(0, 2);
      ops++;
    }
    if (performance.now() < end) setImmediate(slice);
    else finish(ops, performance.now() - t0);
  })();
}

function runThreadpool() {
  const file = path.join(require('node:os').tmpdir(), `ab-gc-bench-${process.pid}.bin`);
  const payload = crypto.randomBytes(1024 * 1024);
  const text = Buffer.from(makeDoc().repeat(12));
  fs.writeFileSync(file, text);
  const CONCURRENCY = 64;
  let ops = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  let done = false;
  const tasks = [
    (cb) => zlib.gzip(text, (err, gz) => (err ? cb(err) : zlib.gunzip(gz, cb))),
    (cb) => crypto.pbkdf2('secret', payload.subarray(0, 16), 2000, 64, 'sha256', cb),
    (cb) => fs.readFile(file, cb),
    (cb) => zlib.deflate(payload, cb),
    // scrypt allocates its 8-16 MB working memory inside the threadpool thread, i.e. in that
    // thread's malloc arena: the allocation pattern that makes per-thread arenas hold memory.
    (cb) => crypto.scrypt('secret', payload.subarray(0, 16), 32, { N: 2 ** (13 + (ops % 2)), r: 8, p: 1 }, cb),
  ];
  function launch(i) {
    inFlight++;
    tasks[i % tasks.length]((err) => {
      inFlight--;
      if (err) throw err;
      ops++;
      if (performance.now() < end) launch(i + CONCURRENCY);
      else if (inFlight === 0 && !done) {
        done = true;
        fs.rmSync(file, { force: true });
        finish(ops, performance.now() - t0);
      }
    });
  }
  for (let i = 0; i < CONCURRENCY; i++) launch(i);
}

if (workload === 'json') runJson();
else if (workload === 'threadpool') runThreadpool();
else throw new Error(`unknown workload ${workload}`);
