#!/usr/bin/env node
'use strict';
/**
 * The load generator, run as its own process so it never shares an event loop with the service
 * or with the demo's bookkeeping. One mode per run; prints one JSON line on stdout.
 *
 *   node load.js load  '{"url":"http://127.0.0.1:P","duration":10,"connections":8,"maxRequests":200000}'
 *   node load.js churn '{"url":"http://127.0.0.1:P","count":300,"concurrency":8}'
 *   node load.js check '{"url":"http://127.0.0.1:P"}'
 */
const http = require('node:http');
const { loadMix, checkRequests, frameworkMix, frameworkCheckRequests } = require('./bodies');

const [mode, json] = process.argv.slice(2);
const options = JSON.parse(json || '{}');

function loopbackOnly(url) {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`refusing to load a non-loopback host: ${host}`);
}

function request(url, { path, body, close = false }) {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const payload = Buffer.from(body, 'utf8');
    const req = http.request(
      target,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent: close ? false : undefined,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...(close ? { connection: 'close' } : {}) },
        timeout: 10000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after 10 s: ${path}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function load() {
  loopbackOnly(options.url);
  const autocannon = require('autocannon');
  const { mix } = options.mix === 'framework' ? frameworkMix() : loadMix();
  const requests = mix.map((r) => ({ method: 'POST', path: r.path, headers: { 'content-type': 'application/json' }, body: r.body }));
  // autocannon's own histogram keeps whole milliseconds; small calls answer in well under one, so
  // the percentiles are computed here from every response time (fractional ms).
  const times = [];
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.duration,
        // Bounded in count as well as time: whichever comes first ends the run.
        maxOverallRequests: Math.max(options.maxRequests, options.connections),
        timeout: 10,
        requests,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (client, statusCode, bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
    process.once('SIGTERM', () => instance.stop());
  });
  times.sort((a, b) => a - b);
  const pct = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] : NaN);
  const total = result.requests.total;
  return {
    requests: total,
    seconds: result.duration,
    requestsPerSecond: result.duration > 0 ? total / result.duration : 0,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: times[times.length - 1], mean: times.reduce((a, b) => a + b, 0) / (times.length || 1) },
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesRead: result.throughput.total,
    ...(options.returnTimes ? { timesMs: times.map((t) => Math.round(t * 1000) / 1000) } : {}),
    mix: { requests: mix.length, documents: mix.filter((r) => r.path === '/api/documents').length, bytes: mix.reduce((n, r) => n + Buffer.byteLength(r.body), 0) },
  };
}

/** Clients that do not keep connections alive: one request per new TCP connection. */
async function churn() {
  loopbackOnly(options.url);
  const { small } = loadMix();
  let next = 0;
  let ok = 0;
  const failures = [];
  const started = performance.now();
  async function worker() {
    while (next < options.count) {
      const i = next++;
      try {
        const res = await request(options.url, { ...small[i % small.length], close: true });
        if (res.status < 500) ok++;
        else failures.push(`HTTP ${res.status}`);
      } catch (err) {
        failures.push(err.message);
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency || 8 }, worker));
  return { connections: options.count, ok, failed: failures.length, firstFailure: failures[0], ms: performance.now() - started };
}

async function check() {
  loopbackOnly(options.url);
  const { requests, missing } = options.mix === 'framework' ? frameworkCheckRequests() : checkRequests();
  const answers = [];
  for (const r of requests) {
    const res = await request(options.url, r);
    answers.push({ name: r.name, status: res.status, contentType: res.contentType, body: res.body.toString('base64') });
  }
  return { answers, missing };
}

const modes = { load, churn, check };
if (!modes[mode]) {
  process.stderr.write(`load.js: unknown mode ${JSON.stringify(mode)} (load, churn, check)\n`);
  process.exit(2);
}
modes[mode]().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
  },
  (err) => {
    process.stderr.write(`load generator failed (${mode}): ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
