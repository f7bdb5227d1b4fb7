#!/usr/bin/env node
'use strict';
/**
 * `npm start`: each demo service (fastify and express by default, the node:http one on request)
 * run twice, plain node and with afterburner, under the same load from a separate process,
 * measured from the outside. Prints one table per service, writes results/<timestamp>.json/.svg
 * and results/latest.json.
 *
 *   npm start                      full run (about 2 minutes on a 2-core machine)
 *   npm start -- --quick           short run (CI)
 *   npm start -- --node 24         the same on another installed Node (scripts/node-versions.js)
 *   npm start -- --service http    the node:http service with the large corpus documents
 *   npm start -- --duration 1 --quiet-period 1 --warmup 0 --churn 20
 *
 * Exit status: 0 when both runs completed and every check held, 1 on any failure (port in use,
 * afterburner not built or its addon missing, service crash, load generator failure, responses
 * that differ), 2 on bad arguments.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const proc = require('./lib/proc');
const { loadMix, frameworkMix } = require('./lib/bodies');
const { ROWS, buildRows, printTable, svgChart, formatBytes } = require('./lib/report');
const { Progress } = require('./lib/progress');

const ROOT = path.resolve(__dirname, '..');
const SERVICES = {
  fastify: { file: path.join(__dirname, 'service', 'fastify.js'), mix: 'framework', about: 'fastify 5, its own JSON body parser (secure-json-parse), bodyLimit from the config' },
  express: { file: path.join(__dirname, 'service', 'express.js'), mix: 'framework', about: 'express 5, express.json() (body-parser), a JSON error handler' },
  http: { file: path.join(__dirname, 'service', 'server.js'), mix: 'corpus', about: 'node:http, no framework, Buffer.concat + toString + JSON.parse' },
};
const CONFIG_TEMPLATE = path.join(__dirname, 'service', 'config');
const LOAD = path.join(__dirname, 'lib', 'load.js');
const PROBE = path.join(__dirname, 'lib', 'probe.js');
const REGISTER = path.join(ROOT, 'register.js');
const LAUNCHER = path.join(ROOT, 'bin', 'afterburner.js');

// ---------------------------------------------------------------------------------------------
// Arguments.
function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      'quiet-period': { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'max-requests': { type: 'string' },
      churn: { type: 'string' },
      rounds: { type: 'string' },
      port: { type: 'string' },
      service: { type: 'string' },
      node: { type: 'string' },
      with: { type: 'string' },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const number = (name, fallback, min, max) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} expects a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const services = (values.service ?? 'fastify,express').split(',').map((x) => x.trim()).filter(Boolean);
  for (const name of services) if (!SERVICES[name]) throw new Error(`--service expects a list of ${Object.keys(SERVICES).join(', ')}, got ${JSON.stringify(values.service)}`);
  if (values.node !== undefined && !/^\d+$/.test(values.node)) throw new Error(`--node expects a major version such as 24, got ${JSON.stringify(values.node)}`);
  if (values.with !== undefined && !['register', 'launcher'].includes(values.with)) throw new Error(`--with expects register or launcher, got ${JSON.stringify(values.with)}`);
  return {
    help: values.help,
    with: values.with ?? 'register',
    services: [...new Set(services)],
    node: values.node,
    quick,
    duration: number('duration', quick ? 3 : 12, 0.5, 60),
    quietPeriod: number('quiet-period', quick ? 2 : 5, 0.5, 60),
    warmup: number('warmup', quick ? 1 : 2, 0, 30),
    connections: Math.round(number('connections', 8, 1, 256)),
    maxRequests: Math.round(number('max-requests', 200000, 1, 1e7)),
    churn: Math.round(number('churn', quick ? 100 : 300, 0, 10000)),
    rounds: Math.round(number('rounds', quick ? 2 : 6, 1, 20)),
    port: Math.round(number('port', 0, 0, 65535)),
    out: values.out ? path.resolve(values.out) : path.join(ROOT, 'results'),
    write: !values['no-write'],
  };
}

const HELP = `Usage: npm start -- [options]   (or node examples/run-demo.js [options])

Runs each demo service under plain node and under afterburner, drives both with the same load
(autocannon, loopback only) and prints one table per service.

  --service <list>      fastify, express, http (default fastify,express); http is the node:http
                        service with 100 KB-1 MB corpus documents
  --node <major>        run everything on that Node version (.cache/node/<major>, installed by
                        "node scripts/node-versions.js <major>")

  --with <how>          register (default): node --require afterburner/register, the one flag;
                        launcher: node bin/afterburner.js, which adds the gc profile's
                        start-time flags
  --quick               short run for CI (3 s load, 2 s quiet period)
  --duration <s>        measured load per service (default 12), split in rounds
  --rounds <n>          alternate the load between the two services this many times (default 6)
  --warmup <s>          unmeasured load before it (default 2)
  --quiet-period <s>    idle time over which wake-ups are counted (default 5)
  --connections <n>     concurrent load connections (default 8)
  --max-requests <n>    upper bound on requests per measured load (default 200000)
  --churn <n>           one-request connections opened and closed after the load (default 300)
  --port <n>            fixed ports: plain node on <n>, afterburner on <n>+1, the next service
                        on <n>+2 and <n>+3... (default: any free port)
  --out <dir>           where results go (default results/)
  --no-write            do not write result files
`;

// ---------------------------------------------------------------------------------------------
// Children are tracked so that no exit path (error, signal, watchdog) leaves one running.
const children = new Set();
const servicePids = new Set();
let progress;
let interruptedBy = null;

function killAll(signal) {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {}
    }
  }
  for (const pid of servicePids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interruptedBy) return;
    interruptedBy = signal;
    progress?.stop();
    process.stderr.write(`\ndemo: interrupted by ${signal}; stopping the service and the load generator\n`);
    killAll('SIGTERM');
    setTimeout(() => process.exit(130), 300);
  });
}

class DemoError extends Error {}

function tail(text, lines = 12) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function cleanEnv({ keepAfterburner }) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_OPTIONS') continue;
    if (k.startsWith('AFTERBURNER') && !keepAfterburner) continue;
    env[k] = v;
  }
  return env;
}

function userAfterburnerEnv() {
  return Object.entries(process.env).filter(([k]) => k.startsWith('AFTERBURNER'));
}

// ---------------------------------------------------------------------------------------------
// How to start the service with afterburner: the launcher if it exists and works, else --require.
function probe(args, env) {
  const run = spawnSync(process.execPath, [...args, PROBE], { env, encoding: 'utf8', timeout: 20000, cwd: ROOT });
  if (run.error) return { error: run.error.message };
  if (run.status !== 0) return { error: `exit ${run.status ?? run.signal}: ${tail(run.stderr || run.stdout, 4)}` };
  try {
    const lines = run.stdout.trim().split('\n');
    const parsed = JSON.parse(lines[lines.length - 1]);
    return parsed.error ? { error: parsed.error } : { info: parsed, stderr: run.stderr.trim() };
  } catch {
    return { error: `unexpected output: ${tail(run.stdout, 3)}` };
  }
}

function chooseAfterburner(how) {
  const env = cleanEnv({ keepAfterburner: true });
  const tried = [];
  if (how === 'launcher' && fs.existsSync(LAUNCHER)) {
    const viaLauncher = probe([LAUNCHER], env);
    if (viaLauncher.info && viaLauncher.info.status && viaLauncher.info.status.installed) {
      return { mode: 'launcher', label: `launcher: node bin/afterburner.js <service>`, args: [LAUNCHER], probe: viaLauncher.info, tried };
    }
    tried.push(`bin/afterburner.js did not work (${viaLauncher.error || 'the register was not installed in the started process'}); using --require instead`);
  } else if (how === 'launcher') {
    tried.push('bin/afterburner.js is not there yet; using --require (no start-time GC flags)');
  }
  const viaRequire = probe(['--require', REGISTER], env);
  if (viaRequire.info && viaRequire.info.status && viaRequire.info.status.installed) {
    return { mode: 'require', label: `node --require register.js <service> (the register alone; --with launcher adds the gc profile's start-time flags)`, args: ['--require', REGISTER], probe: viaRequire.info, tried };
  }
  throw new DemoError(`afterburner cannot be loaded: ${viaRequire.error || 'status().installed is false'}\n  Is it built? "npm install" builds it; "npm run build" rebuilds dist/.`);
}

function describePatches(status) {
  const parts = [];
  for (const name of ['json', 'timers', 'gc', 'weak']) {
    const s = status[name] || {};
    // An active patch may still have decided to change nothing here; its reason says so.
    const detail = s.active ? `on${s.profile ? ` (${s.profile} profile)` : ''}${s.reason ? `: ${s.reason}` : ''}` : `off: ${s.reason || 'inactive'}`;
    parts.push(`${name} ${detail}`);
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// The service.
function freshConfigDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `afterburner-demo-${label}-`));
  for (const file of fs.readdirSync(CONFIG_TEMPLATE)) fs.copyFileSync(path.join(CONFIG_TEMPLATE, file), path.join(dir, file));
  return dir;
}

function startService(variant, options) {
  const configDir = freshConfigDir(variant.key);
  const env = { ...cleanEnv({ keepAfterburner: variant.key !== 'plain' }), PORT: String(options.port), HOST: '127.0.0.1', CONFIG_DIR: configDir };
  const child = spawn(process.execPath, [...variant.args, variant.service.file], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const service = { child, configDir, stderr: '', stdout: '', stopping: false, pid: null, port: null };
  child.stderr.on('data', (d) => {
    service.stderr = (service.stderr + d).slice(-20000);
  });
  service.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  service.crashed = service.exited.then(({ code, signal }) => {
    if (service.stopping) return new Promise(() => {});
    const inUse = /EADDRINUSE/.test(service.stderr);
    if (inUse) throw new DemoError(`${variant.name}: port ${options.port} on 127.0.0.1 is in use (EADDRINUSE). Free it, pick another with --port, or leave --port out to use any free port.`);
    throw new DemoError(`${variant.name}: the service exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).\n  Its last output:\n${tail(service.stderr || service.stdout).replace(/^/gm, '    ')}`);
  });
  service.crashed.catch(() => {});
  service.listening = new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (d) => {
      service.stdout = (service.stdout + d).slice(-20000);
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const msg = JSON.parse(line);
          if (msg.event === 'listening') {
            service.framework = msg.framework;
            service.port = msg.port;
            service.pid = msg.pid;
            servicePids.add(msg.pid);
            resolve();
          }
        } catch {}
      }
    });
    service.crashed.catch(reject);
    setTimeout(() => reject(new DemoError(`${variant.name}: the service did not report "listening" within 20 s.\n${tail(service.stderr)}`)), 20000).unref();
  });
  return service;
}

async function stopService(service) {
  service.stopping = true;
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
  if (service.pid && service.pid !== service.child.pid && proc.alive(service.pid)) {
    try {
      process.kill(service.pid, 'SIGTERM');
    } catch {}
  }
  const timer = setTimeout(() => {
    service.child.kill('SIGKILL');
    if (service.pid) {
      try {
        process.kill(service.pid, 'SIGKILL');
      } catch {}
    }
  }, 4000);
  const result = await service.exited;
  clearTimeout(timer);
  children.delete(service.child);
  servicePids.delete(service.pid);
  fs.rmSync(service.configDir, { recursive: true, force: true });
  return result;
}

/** Requests from the demo itself go over one kept-alive connection, so they add one to the count. */
function getJson(service, agent, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: service.port, path: urlPath, agent, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(new DemoError(`GET ${urlPath}: the answer is not JSON (${err.message})`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new DemoError(`GET ${urlPath}: no answer within 5 s`)));
    req.on('error', (err) => reject(err instanceof DemoError ? err : new DemoError(`GET ${urlPath}: ${err.message}`)));
  });
}

function runLoadProcess(mode, params, { timeoutMs, label }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, mode, JSON.stringify(params)], { cwd: ROOT, env: cleanEnv({ keepAfterburner: false }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DemoError(`${label}: the load generator (${mode}) did not finish within ${Math.round(timeoutMs / 1000)} s; stopped it`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new DemoError(`${label}: cannot start the load generator: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code !== 0) return reject(new DemoError(`${label}: the load generator (${mode}) failed (${signal ? `signal ${signal}` : `exit code ${code}`}):\n${tail(stderr).replace(/^/gm, '    ')}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new DemoError(`${label}: the load generator (${mode}) printed no result:\n${tail(stdout + stderr)}`));
      }
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function gcTotals(stats) {
  const gc = stats.gc;
  return { scavenges: gc.minor.count, scavengeMs: gc.minor.ms, pauseMs: gc.minor.ms + gc.major.ms + gc.incremental.ms + gc.weakcb.ms, majors: gc.major.count };
}

/** Replaces a config file the way config tools do (write a temp file, rename over) and times the reload. */
async function reloadLatency(service, agent, revision) {
  const before = (await getJson(service, agent, '/stats')).config.reloads;
  const file = path.join(service.configDir, 'features.json');
  const current = JSON.parse(fs.readFileSync(file, 'utf8'));
  const temp = `${file}.tmp-${revision}`;
  fs.writeFileSync(temp, JSON.stringify({ ...current, revision }, null, 2) + '\n');
  const started = performance.now();
  fs.renameSync(temp, file);
  const deadline = started + 5000;
  while (performance.now() < deadline) {
    const stats = await getJson(service, agent, '/stats');
    if (stats.config.reloads > before) return performance.now() - started;
    await sleep(2);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Both variants, side by side. Both services run at once (one idles while the other is loaded),
// and the measured load alternates between them in rounds (A B, B A, ...), so that whatever else
// the machine does during the run falls on both alike.
function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function runBoth(variants, options, plan) {
  const services = [];
  // A request or the load generator often fails a moment before the service's exit is seen:
  // report the crash (the cause) rather than the broken connection (the symptom).
  const guard = (promise) =>
    Promise.race([promise, ...services.map((s) => s.crashed)]).catch(async (err) => {
      const crash = await Promise.race([Promise.any(services.map((s) => s.crashed.then(() => null, (e) => e))), sleep(500).then(() => null)]);
      throw crash || err;
    });
  const results = {};
  try {
    for (const [i, variant] of variants.entries()) {
      plan.phase(variant, 'starting the service', 1);
      const service = startService(variant, { ...options, port: options.port ? options.port + i : 0 });
      service.variant = variant;
      service.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      services.push(service);
      await guard(service.listening);
      service.url = `http://127.0.0.1:${service.port}`;
      results[variant.key] = {
        service: variant.service.name,
        framework: service.framework ?? 'node:http',
        variant: variant.key,
        name: variant.name,
        command: variant.command,
        pid: service.pid,
        launcherPid: service.pid === service.child.pid ? null : service.child.pid,
        port: service.port,
        load: { requests: 0, seconds: 0, rounds: [], ok2xx: 0, non2xx: 0, errors: 0, timeouts: 0 },
        cpuMs: 0,
        gc: { scavenges: 0, scavengeMs: 0, pauseMs: 0, majors: 0 },
      };
    }

    for (const service of services) {
      plan.phase(service.variant, 'checking answers', 1);
      results[service.variant.key].check = await guard(runLoadProcess('check', { url: service.url, mix: service.variant.service.mix }, { timeoutMs: 60000, label: service.variant.name }));
    }
    if (options.warmup > 0) {
      for (const service of services) {
        plan.phase(service.variant, 'warm-up load', options.warmup);
        await guard(runLoadProcess('load', { url: service.url, mix: service.variant.service.mix, duration: options.warmup, connections: options.connections, maxRequests: options.maxRequests }, { timeoutMs: (options.warmup + 30) * 1000, label: `${service.variant.name} warm-up` }));
      }
    }

    const slice = options.duration / options.rounds;
    const times = new Map(services.map((s) => [s, []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 ? [...services].reverse() : services;
      for (const service of order) {
        const r = results[service.variant.key];
        plan.phase(service.variant, `load, round ${round + 1}/${options.rounds}`, slice);
        const statsBefore = await guard(getJson(service, service.agent, '/stats'));
        const procBefore = proc.snapshot(service.pid);
        const load = await guard(
          runLoadProcess('load', { url: service.url, mix: service.variant.service.mix, duration: slice, connections: options.connections, maxRequests: Math.ceil(options.maxRequests / options.rounds), returnTimes: true }, { timeoutMs: (slice + 30) * 1000, label: service.variant.name }),
        );
        const procAfter = proc.snapshot(service.pid);
        const statsAfter = await guard(getJson(service, service.agent, '/stats'));
        if (load.errors || load.timeouts || load.non2xx) {
          throw new DemoError(`${service.variant.name}: the load saw ${load.errors} errors, ${load.timeouts} timeouts, ${load.non2xx} non-2xx answers out of ${load.requests} requests`);
        }
        for (const t of load.timesMs) times.get(service).push(t);
        r.load.requests += load.requests;
        r.load.seconds += load.seconds;
        r.load.ok2xx += load.ok2xx;
        r.load.rounds.push({ requests: load.requests, seconds: load.seconds, requestsPerSecond: load.requestsPerSecond });
        r.load.mix = load.mix;
        r.cpuMs += procAfter.cpuMs - procBefore.cpuMs;
        const a = gcTotals(statsBefore);
        const b = gcTotals(statsAfter);
        for (const k of Object.keys(r.gc)) r.gc[k] += b[k] - a[k];
      }
    }
    for (const service of services) {
      const r = results[service.variant.key];
      const sorted = times.get(service).sort((x, y) => x - y);
      // The median round, not the total: one round disturbed by something else on the machine
      // should not decide the row.
      const perRound = r.load.rounds.map((x) => x.requestsPerSecond).sort((x, y) => x - y);
      const mid = perRound.length >> 1;
      r.load.requestsPerSecond = perRound.length % 2 ? perRound[mid] : (perRound[mid - 1] + perRound[mid]) / 2;
      r.load.requestsPerSecondOverall = r.load.seconds > 0 ? r.load.requests / r.load.seconds : 0;
      r.load.latencyMs = { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], mean: sorted.reduce((x, y) => x + y, 0) / (sorted.length || 1) };
      r.cpuMsPer1kRequests = r.load.requests ? (r.cpuMs / r.load.requests) * 1000 : NaN;
    }

    for (const service of services) {
      const r = results[service.variant.key];
      plan.phase(service.variant, 'config reloads', 1);
      const latencies = [];
      for (let i = 0; i < 3; i++) {
        latencies.push(await guard(reloadLatency(service, service.agent, Date.now() + i)));
        await sleep(100);
      }
      r.reloadMs = latencies.includes(null) ? null : [...latencies].sort((x, y) => x - y)[1];
      r.reloadSamplesMs = latencies;
    }

    if (options.churn > 0) {
      for (const service of services) {
        const r = results[service.variant.key];
        plan.phase(service.variant, 'connection churn', 1);
        r.churn = await guard(runLoadProcess('churn', { url: service.url, count: options.churn, concurrency: 8 }, { timeoutMs: 60000, label: service.variant.name }));
        if (r.churn.failed) throw new DemoError(`${service.variant.name}: ${r.churn.failed} of ${options.churn} churn connections failed: ${r.churn.firstFailure}`);
      }
    }

    // Nothing talks to either service during the quiet period: the demo's own connections close.
    for (const service of services) service.agent.destroy();
    await sleep(800);
    plan.phase({ name: 'both' }, 'quiet period', options.quietPeriod);
    const quietStart = services.map((s) => proc.snapshot(s.pid));
    await guard(sleep(options.quietPeriod * 1000));
    const quietEnd = services.map((s) => proc.snapshot(s.pid));
    services.forEach((service, i) => {
      const seconds = (quietEnd[i].at - quietStart[i].at) / 1000;
      results[service.variant.key].idle = {
        seconds,
        wakeupsPerSecond: (quietEnd[i].voluntary - quietStart[i].voluntary) / seconds,
        cpuMsPerSecond: (quietEnd[i].cpuNs - quietStart[i].cpuNs) / 1e6 / seconds,
        threads: quietEnd[i].threads,
      };
    });

    for (const service of services) {
      const r = results[service.variant.key];
      const final = await guard(getJson(service, new http.Agent({ keepAlive: false }), '/stats'));
      r.listeners = { onBus: final.bus.configChangedListeners, liveConnections: final.connections.live, connectionsSeen: final.connections.total, left: final.bus.configChangedListeners - final.connections.live };
      r.peakRssBytes = proc.memory(service.pid).peakRss;
      if (r.launcherPid) r.launcherPeakRssBytes = proc.memory(r.launcherPid).peakRss;
      r.serviceStats = { requests: final.requests, reloads: final.config.reloads, waitedForReady: final.waitedForReady, gc: final.gc };
    }
    plan.phase({ name: 'both' }, 'stopping', 0.5);
    for (const service of services) {
      const exit = await stopService(service);
      if (exit.code !== 0 && exit.signal !== 'SIGTERM') results[service.variant.key].exitNote = `the service exited with ${exit.signal ?? exit.code} on SIGTERM`;
    }
    return results;
  } finally {
    for (const service of services) {
      service.agent.destroy();
      if (!service.stopping) await stopService(service).catch(() => {});
    }
  }
}

function compareAnswers(plain, after) {
  const differences = [];
  const byName = new Map(after.answers.map((a) => [a.name, a]));
  for (const a of plain.answers) {
    const b = byName.get(a.name);
    if (!b) differences.push(`${a.name}: missing with afterburner`);
    else if (a.status !== b.status || a.contentType !== b.contentType || a.body !== b.body) {
      const show = (x) => Buffer.from(x.body, 'base64').toString('utf8').slice(0, 160);
      differences.push(`${a.name}: plain ${a.status} ${show(a)}\n      afterburner ${b.status} ${show(b)}`);
    }
  }
  return { requests: plain.answers.length, identical: differences.length === 0, differences };
}

function timestamp(date) {
  return date.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
/** `--node <major>`: the same run under another installed Node (the services inherit it). */
function reexecOn(major, argv) {
  const bin = path.join(ROOT, '.cache', 'node', String(major), 'bin', 'node');
  if (!fs.existsSync(bin)) throw new DemoError(`Node ${major} is not installed here; "node scripts/node-versions.js ${major}" installs it into .cache/node/${major}`);
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--node') i++;
    else if (!argv[i].startsWith('--node=')) args.push(argv[i]);
  }
  const run = spawnSync(bin, [__filename, ...args], { stdio: 'inherit', env: process.env });
  return run.status ?? 1;
}

function describeFrameworks(status) {
  const f = status.frameworks;
  if (!f) return 'frameworks: not in this build';
  if (!f.active) return `frameworks off: ${f.reason || 'inactive'}`;
  return `frameworks on: ${Object.entries(f.integrations || {}).map(([name, s]) => `${name} ${s.state}${s.detail && s.state !== 'waiting' ? ` (${s.detail})` : ''}`).join(', ')}`;
}

async function main() {
  let options;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`demo: ${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.node !== undefined && options.node !== process.versions.node.split('.')[0]) return reexecOn(options.node, process.argv.slice(2));
  const failures = [];
  const notes = [];
  const started = new Date();
  const services = options.services.map((name) => ({ name, ...SERVICES[name] }));

  // Never hang: everything has its own timeout, and this bounds the whole run.
  const budgetSeconds = services.length * (2 * (options.warmup + options.duration + options.quietPeriod) + 60) + 30;
  const watchdog = setTimeout(() => {
    progress?.stop();
    process.stderr.write(`\ndemo: FAILED: the run did not finish within ${budgetSeconds} s (watchdog); stopping every child process\n`);
    killAll('SIGKILL');
    process.exit(1);
  }, budgetSeconds * 1000);

  if (!proc.available()) throw new DemoError('this demo reads process metrics from /proc and needs Linux');
  try {
    require.resolve('autocannon');
    for (const service of services) if (service.mix === 'framework') require.resolve(service.name);
  } catch (err) {
    throw new DemoError(`a devDependency is not installed (${err.message.split('\n')[0]}): run "npm install" (without --omit=dev)`);
  }
  const afterburner = chooseAfterburner(options.with);
  for (const line of afterburner.tried) notes.push(line);
  if (process.env.NODE_OPTIONS) notes.push(`NODE_OPTIONS from your environment (${process.env.NODE_OPTIONS}) was passed to neither service, so that both start the same way`);
  const status = afterburner.probe.status;
  if (!status.native.loaded) {
    failures.push(`the native addon is missing: ${status.native.error}. The run continues with the patches that do not need it; "npm run build:native" builds it.`);
  }
  const userEnv = userAfterburnerEnv();

  const out = (line = '') => process.stdout.write(line + '\n');
  out(`afterburner demo · ${started.toISOString().replace('T', ' ').slice(0, 16)} UTC · node ${process.version} · ${os.platform()} ${os.arch()} · ${os.cpus().length} CPUs · load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const service of services) out(`service   ${service.name.padEnd(8)} examples/service/${path.basename(service.file)}: ${service.about}`);
  out(`common    ${fs.readdirSync(CONFIG_TEMPLATE).length} config files under fs.watchFile (100 ms), ready gate polled with sleep(), per-connection listeners on a config bus`);
  out(`load      autocannon, ${options.connections} connections, ${options.duration} s measured per service in ${options.rounds} alternating rounds after ${options.warmup} s warm-up, at most ${options.maxRequests} requests, loopback only`);
  if (services.some((s) => s.mix === 'framework')) {
    const { mix, missing } = frameworkMix();
    if (missing) failures.push(`GitHub events and tweets: ${missing}; only pings and orders are sent`);
    const sizes = mix.map((r) => Buffer.byteLength(r.body));
    out(`          fastify/express bodies: per 40 requests 10 pings, 10 orders (3–300 items), 9 GitHub webhook events, 9 tweets, 2 timeline pages; ${formatBytes(Math.min(...sizes))}–${formatBytes(Math.max(...sizes))}, mean ${formatBytes(Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length))}`);
  }
  if (services.some((s) => s.mix === 'corpus')) {
    const { mix, large, small, missing } = loadMix();
    if (missing) failures.push(`large documents: ${missing}; only small calls are sent`);
    const sizes = large.map((d) => Buffer.byteLength(d.body));
    out(`          node:http bodies: ${small.length} small API calls (~1 KB) rotating, ${large.length} corpus documents (${sizes.length ? `${formatBytes(Math.min(...sizes))}–${formatBytes(Math.max(...sizes))}` : 'none'}) every ${Math.round(mix.length / Math.max(large.length, 1))} requests`);
  }
  out(`          then ${options.churn} one-request connections; then ${options.quietPeriod} s quiet`);
  out(`with      ${afterburner.label}${userEnv.length ? ` · from your environment: ${userEnv.map(([k, v]) => `${k}=${v}`).join(' ')}` : ' · default profile'}`);
  out(`patches   ${describePatches(status).join(' · ')} · ${describeFrameworks(status)}`);
  out(`native    ${status.native.loaded ? `loaded (simdjson ${status.native.simdjson}, ${status.native.implementation}${status.native.jsonIndex ? `, stage 1 ${status.native.jsonIndex}` : ''})` : `MISSING: ${status.native.error}`}`);

  const perService = 2 * (4 + options.warmup + options.duration) + options.quietPeriod + 1.5;
  const plan = new Progress({ total: services.length * perService });
  progress = plan;
  const record = {
    date: started.toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: os.loadavg(),
    options,
    afterburner: { mode: afterburner.mode, command: `${afterburner.mode === 'launcher' ? 'node bin/afterburner.js' : 'node --require ./register.js'} <service>`, environment: Object.fromEntries(userEnv), status, execArgv: afterburner.probe.execArgv, mallocArenaMax: afterburner.probe.mallocArenaMax },
    services: {},
    rows: [],
    notes,
    failures,
  };
  for (const [index, service] of services.entries()) {
    const variants = [
      { key: 'plain', name: 'plain node', args: [], service, command: `node examples/service/${path.basename(service.file)}` },
      { key: 'afterburner', name: 'afterburner', args: afterburner.args, service, command: `${afterburner.mode === 'launcher' ? 'node bin/afterburner.js' : 'node --require ./register.js'} examples/service/${path.basename(service.file)}` },
    ];
    let results;
    try {
      results = await runBoth(variants, { ...options, port: options.port ? options.port + 2 * index : 0 }, plan);
    } catch (err) {
      plan.stop();
      throw err;
    }
    const identical = compareAnswers(results.plain.check, results.afterburner.check);
    if (!identical.identical) failures.push(`${service.name}: answers differ between plain node and afterburner on ${identical.differences.length} of ${identical.requests} requests:\n    ${identical.differences.slice(0, 5).join('\n    ')}`);
    for (const r of Object.values(results)) {
      if (r.reloadMs === null) failures.push(`${service.name}, ${r.name}: a config file change was not picked up within 5 s`);
      if (r.exitNote) notes.push(`${service.name}, ${r.name}: ${r.exitNote}`);
      if (r.launcherPid) notes.push(`${service.name}, ${r.name}: the launcher started node as a child: the table measures the service process (pid ${r.pid}); the launcher process (pid ${r.launcherPid}, peak RSS ${r.launcherPeakRssBytes ? formatBytes(r.launcherPeakRssBytes) : 'unknown'}) is not counted`);
    }
    const rows = buildRows(results.plain, results.afterburner);
    const [p, a] = [results.plain, results.afterburner];
    const serviceNotes = [];
    const closed = (r) => r.listeners.connectionsSeen - r.listeners.liveConnections;
    if (p.listeners.left >= closed(p) && a.listeners.left >= closed(a)) {
      serviceNotes.push(`listeners left: one per closed connection in both runs (plain ${p.listeners.left} for ${closed(p)} closed, afterburner ${a.listeners.left} for ${closed(a)}): the service subscribes with emitter.on(), which afterburner leaves alone (its weak patch adds emitter.onWeak(), which the service would have to call)`);
    } else {
      serviceNotes.push(`listeners left: plain ${p.listeners.left} for ${closed(p)} closed connections, afterburner ${a.listeners.left} for ${closed(a)}`);
    }
    if (p.load.requests >= options.maxRequests || a.load.requests >= options.maxRequests) serviceNotes.push(`a run hit --max-requests (${options.maxRequests}) before the end of its ${options.duration} s`);
    serviceNotes.push(`requests/s per round: plain ${p.load.rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')} · afterburner ${a.load.rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')} (the spread is the machine's noise)`);
    const integration = status.frameworks?.integrations?.[service.name === 'express' ? 'body-parser' : service.name];
    out();
    out(`── ${service.name}: ${p.framework} · examples/service/${path.basename(service.file)}${integration ? ` · integration ${integration.state}` : ''}`);
    printTable(rows, out);
    out(`answers   ${identical.identical ? `byte-identical on all ${identical.requests} check requests (status, content type and body: valid bodies, invalid JSON, empty body, byte-order mark, __proto__ and constructor keys, edge cases, 404)` : `DIFFERENT on ${identical.differences.length} of ${identical.requests} check requests`}`);
    for (const note of serviceNotes) out(`note      ${note}`);
    record.services[service.name] = { framework: p.framework, rows, answers: identical, runs: results, notes: serviceNotes };
    for (const row of rows) record.rows.push({ service: service.name, ...row });
  }
  plan.stop();
  out();
  if (notes.length) for (const note of notes) out(`note      ${note}`);

  if (options.write) {
    fs.mkdirSync(options.out, { recursive: true });
    const base = path.join(options.out, `demo-${timestamp(started)}-node${process.versions.node.split('.')[0]}`);
    const chartRows = record.rows.map((row) => ({ ...row, label: services.length > 1 ? `${row.service} · ${row.label}` : row.label }));
    fs.writeFileSync(`${base}.json`, JSON.stringify(record, null, 2) + '\n');
    fs.writeFileSync(`${base}.svg`, svgChart(chartRows, { title: `afterburner demo · node ${process.version} · ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC` }));
    fs.writeFileSync(path.join(options.out, 'latest.json'), JSON.stringify(record, null, 2) + '\n');
    fs.copyFileSync(`${base}.svg`, path.join(options.out, 'latest.svg'));
    out(`results   ${path.relative(process.cwd(), base) || base}.json, .svg; ${path.relative(process.cwd(), path.join(options.out, 'latest.json'))}`);
  }
  clearTimeout(watchdog);
  if (failures.length) {
    out();
    for (const failure of failures) out(`FAILED    ${failure}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    progress?.stop();
    killAll('SIGTERM');
    // Children dying from our own Ctrl-C are not a failure of theirs.
    if (interruptedBy) process.exit(130);
    process.stderr.write(`\ndemo: FAILED: ${err instanceof DemoError ? err.message : err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
