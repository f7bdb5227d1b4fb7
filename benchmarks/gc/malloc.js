#!/usr/bin/env node
'use strict';
// Allocator benchmark: retained RSS after a burst of allocation-heavy requests and then idle, and
// throughput, per C allocator and gc profile. Each variant is its own server process
// (malloc-server.js) started the way a user would; this process is the client.
//   node benchmarks/gc/malloc.js [--quick] [--rounds n] [--requests n] [--idle s] [--only 'text|text']
// (--only keeps the variants whose name contains one of the texts; the first kept one is the base)
// Per round and variant: start the server, 40 warm-up requests, RSS "before"; the burst (a fixed
// number of requests, 32 in flight, bodies of 2-400 KB, every one different); RSS at the end of
// the burst; then the server sits idle and RSS is read after 10 s and after `--idle` seconds
// ("retained"). Bursts never overlap: the next variant's burst runs while the previous ones idle
// (an idle server uses no CPU), so a round costs about one burst per variant plus one idle wait.
// Variants are interleaved in each round; medians over rounds. The live allocator is checked in
// each server's /proc/<pid>/maps.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { median, report } = require('../lib/harness');

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = path.join(__dirname, 'malloc-server.js');
const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const { resolveAllocator } = require('../../dist/gc/allocator.js');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = opt('--rounds', quick ? 1 : 3);
const requests = opt('--requests', quick ? 300 : 600);
const idleS = opt('--idle', quick ? 12 : 35);
const CONCURRENCY = 32;
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1].split('|') : undefined;

function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AFTERBURNER') && !k.startsWith('MIMALLOC_') && !['NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'MALLOC_CONF', 'LD_PRELOAD', 'BENCH_JSON_OUT'].includes(k)) env[k] = v;
  }
  return { ...env, AFTERBURNER_LOG: 'silent', AFTERBURNER_JSON: '0', AFTERBURNER_TIMERS: '0', AFTERBURNER_WEAK: '0', ...extra };
}

const have = (name) => resolveAllocator({ AFTERBURNER_MALLOC: name }).library !== undefined;
const VARIANTS = {
  'glibc, no tuning': () => ({ args: [SERVER], env: cleanEnv() }),
  'glibc, balanced (arenas + trim 30 s)': () => ({ args: [BIN, '--profile', 'balanced', SERVER], env: cleanEnv() }),
  'glibc, memory (arenas + trim 10 s)': () => ({ args: [BIN, '--profile', 'memory', SERVER], env: cleanEnv() }),
  // jemalloc purges dirty pages only from inside its own calls (an idle process makes none) unless
  // its background thread runs: the launcher starts it with MALLOC_CONF=background_thread:true.
  'jemalloc, no tuning (LD_PRELOAD only)': () => (have('jemalloc') ? { args: [SERVER], env: cleanEnv({ LD_PRELOAD: resolveAllocator({ AFTERBURNER_MALLOC: 'jemalloc' }).library }) } : undefined),
  'jemalloc, balanced, no background thread': () =>
    have('jemalloc') ? { args: [BIN, '--profile', 'balanced', SERVER], env: cleanEnv({ AFTERBURNER_MALLOC: 'jemalloc', MALLOC_CONF: 'background_thread:false' }) } : undefined,
  'jemalloc, balanced (launcher: background_thread:true)': () => (have('jemalloc') ? { args: [BIN, '--profile', 'balanced', SERVER], env: cleanEnv({ AFTERBURNER_MALLOC: 'jemalloc' }) } : undefined),
  'jemalloc, memory (launcher: background_thread:true)': () => (have('jemalloc') ? { args: [BIN, '--profile', 'memory', SERVER], env: cleanEnv({ AFTERBURNER_MALLOC: 'jemalloc' }) } : undefined),
  'mimalloc, balanced': () => (have('mimalloc') ? { args: [BIN, '--profile', 'balanced', SERVER], env: cleanEnv({ AFTERBURNER_MALLOC: 'mimalloc' }) } : undefined),
  // mimalloc 2.0 delays resetting freed pages by 100 ms; without the delay: no better here.
  'mimalloc, balanced, MIMALLOC_RESET_DELAY=0': () =>
    have('mimalloc') ? { args: [BIN, '--profile', 'balanced', SERVER], env: cleanEnv({ AFTERBURNER_MALLOC: 'mimalloc', MIMALLOC_RESET_DELAY: '0' }) } : undefined,
};

// Request bodies: 48 gzipped documents of 2 KB-1 MB (sizes spread geometrically), shuffled per request.
function makeBody(n, seed) {
  const items = [];
  for (let i = 0; i < n; i++) {
    items.push({ id: seed * 100000 + i, name: `user ${seed}-${i} ${'x'.repeat((i * 7 + seed) % 40)}`, tags: ['a', 'bb', 'ccc'].slice(0, 1 + (i % 3)), score: i * 1.5, address: { city: 'Springfield', zip: String(10000 + i) } });
  }
  return Buffer.from(JSON.stringify({ seed, items }));
}
const bodies = Array.from({ length: 48 }, (_, k) => require('node:zlib').gzipSync(makeBody(Math.round(12 * Math.pow(700, k / 47)), k), { level: 1 }));

function procStatus(pid) {
  const out = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) / 1024;
  }
  return out;
}

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function liveAllocatorOf(pid) {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const m = /lib(jemalloc|mimalloc|tcmalloc)[^\s]*/.exec(maps);
  return m ? m[1] : 'glibc';
}

function start(variant) {
  const spec = VARIANTS[variant]();
  const child = spawn(process.execPath, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, ...JSON.parse(out.slice(0, nl)) });
    });
    child.on('exit', (code) => reject(new Error(`${variant} server exited (${code}) before listening`)));
  });
}

function load(port, count, offset) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const one = () => {
      if (next >= count) return;
      const i = next++;
      const body = bodies[(i * 17 + offset) % bodies.length];
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/work', agent, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length } }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          if (++done === count) {
            agent.destroy();
            resolve();
          } else one();
        });
      });
      req.on('error', reject);
      req.end(body);
    };
    for (let k = 0; k < CONCURRENCY; k++) one();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function memoryUsage(port) {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path: '/stats', agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

async function main() {
  const names = Object.keys(VARIANTS).filter((v) => VARIANTS[v]() !== undefined && (!only || only.some((o) => v.includes(o))));
  const skipped = Object.keys(VARIANTS).filter((v) => VARIANTS[v]() === undefined);
  const samples = Object.fromEntries(names.map((v) => [v, []]));
  const idling = [];
  for (let r = 0; r < rounds; r++) {
    for (const variant of names) {
      const s = await start(variant);
      await load(s.port, 40, r);
      const before = procStatus(s.pid).VmRSS;
      const cpu0 = cpuSeconds(s.pid);
      const t0 = performance.now();
      await load(s.port, requests, r * 7);
      const wallS = (performance.now() - t0) / 1000;
      const cpuS = cpuSeconds(s.pid) - cpu0;
      const end = procStatus(s.pid);
      const sample = { before, end: end.VmRSS, peak: end.VmHWM, rps: requests / wallS, rpcpu: requests / cpuS, allocator: liveAllocatorOf(s.pid) };
      samples[variant].push(sample);
      // Idle: read RSS later without holding up the next variant's burst.
      idling.push(
        (async () => {
          await sleep(10000);
          sample.idle10 = procStatus(s.pid).VmRSS;
          await sleep((idleS - 10) * 1000);
          sample.idle = procStatus(s.pid).VmRSS;
          sample.vsz = procStatus(s.pid).VmSize;
          const usage = await memoryUsage(s.port);
          sample.outsideHeap = sample.idle - usage.heapTotal / 2 ** 20;
          s.child.kill('SIGTERM');
        })(),
      );
      process.stderr.write(`round ${r + 1}/${rounds} ${variant}: ${sample.rps.toFixed(0)} req/s, RSS ${before.toFixed(0)} -> ${sample.end.toFixed(0)} MB\n`);
    }
  }
  await Promise.all(idling);
  const med = (v, k) => median(samples[v].map((s) => s[k]));
  const base = names[0];
  const rows = names.map((v) => ({
    row: v,
    'live malloc': [...new Set(samples[v].map((s) => s.allocator))].join('/'),
    'req/s': med(v, 'rps'),
    'req/cpu-s': med(v, 'rpcpu'),
    'cpu x': med(v, 'rpcpu') / med(base, 'rpcpu'),
    'RSS before MB': med(v, 'before'),
    'peak RSS MB': med(v, 'peak'),
    'RSS end MB': med(v, 'end'),
    'idle 10 s MB': med(v, 'idle10'),
    [`idle ${idleS} s MB`]: med(v, 'idle'),
    'idle RSS outside V8 heap MB': med(v, 'outsideHeap'),
    'retained MB': median(samples[v].map((s) => s.idle - s.before)),
    'retained x': median(samples[v].map((s) => s.idle - s.before)) / median(samples[base].map((s) => s.idle - s.before)),
    'VSZ MB': med(v, 'vsz'),
  }));
  report(`gc: allocators, burst of ${requests} requests then ${idleS} s idle`, rows, {
    keys: ['req/cpu-s', 'cpu x', 'peak RSS MB', 'retained MB', 'retained x', 'idle RSS outside V8 heap MB'],
    notes: [
      `${rounds} round(s), variants interleaved, medians; ${CONCURRENCY} requests in flight, bodies 2 KB-1 MB, responses gzipped in the threadpool; retained = RSS after ${idleS} s idle minus RSS before the burst; outside V8 heap = that RSS minus V8's heapTotal (C heap, code, stacks)`,
      'req/cpu-s = requests per CPU-second of the server process (steadier than req/s on a shared machine); cpu x vs the first row',
      ...(skipped.length ? [`skipped (library not installed; bash .ci/apt-packages): ${skipped.join(', ')}`] : []),
    ],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
