#!/usr/bin/env node
'use strict';
/**
 * A small JSON service written the way many teams write one: node:http, no framework, plain
 * JSON.parse on request bodies, configuration files reloaded with fs.watchFile, a "ready" gate
 * that requests wait on with a sleep loop, and a config-changed bus that every connection
 * subscribes to. Nothing in this file knows about afterburner; the demo runs it unchanged with
 * and without it.
 *
 *   PORT=0 CONFIG_DIR=./config node server.js
 *
 * Routes: POST /api/orders and POST /api/events (small API calls), POST /api/documents (large
 * JSON documents, summarised), GET /health, GET /stats (the service's own counters).
 * On start it prints one JSON line on stdout: {"event":"listening","port":…,"pid":…}.
 */
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { PerformanceObserver, constants: perfConstants } = require('node:perf_hooks');

const CONFIG_DIR = path.resolve(process.env.CONFIG_DIR || path.join(__dirname, 'config'));
const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 0);

// ---------------------------------------------------------------------------------------------
// Self-observation a production service might expose on an internal endpoint.
const gcStats = { minor: { count: 0, ms: 0 }, major: { count: 0, ms: 0 }, incremental: { count: 0, ms: 0 }, weakcb: { count: 0, ms: 0 } };
const GC_KINDS = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = GC_KINDS[entry.detail ? entry.detail.kind : entry.kind];
    if (!kind) continue;
    gcStats[kind].count++;
    gcStats[kind].ms += entry.duration;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

const counters = { requests: 0, byRoute: {}, badRequests: 0, waitedForReady: 0 };

// ---------------------------------------------------------------------------------------------
// Configuration: every *.json file in CONFIG_DIR, merged by file name, polled for changes.
const state = { ready: false, config: null, version: 0, reloads: 0, reloadErrors: 0, lastReload: null };
const bus = new EventEmitter();
// Every connection subscribes; with many clients the default limit of 10 warns, and the usual
// "fix" is to lift it. (This is how the leak below stays silent in real services.)
bus.setMaxListeners(0);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilReady() {
  if (state.ready) return;
  counters.waitedForReady++;
  while (!state.ready) await sleep(state.config ? state.config.service.readyPollMs : 10);
}

function configFiles() {
  return fs.readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json')).sort();
}

async function loadConfig(reason) {
  state.ready = false;
  const started = Date.now();
  try {
    const next = {};
    for (const file of configFiles()) {
      const text = await fs.promises.readFile(path.join(CONFIG_DIR, file), 'utf8');
      next[path.basename(file, '.json')] = JSON.parse(text);
    }
    validateConfig(next);
    state.config = next;
    state.version++;
    if (reason !== 'start') state.reloads++;
    state.lastReload = { reason, at: new Date().toISOString(), tookMs: Date.now() - started };
    bus.emit('config-changed', next);
  } catch (err) {
    state.reloadErrors++;
    process.stderr.write(JSON.stringify({ event: 'config-error', reason, message: err.message }) + '\n');
    if (!state.config) throw err;
  } finally {
    if (state.config) state.ready = true;
  }
}

function validateConfig(config) {
  for (const required of ['service', 'limits', 'pricing', 'features']) {
    if (!config[required] || typeof config[required] !== 'object') throw new Error(`config: ${required}.json is missing or not an object`);
  }
  if (!Number.isInteger(config.service.maxBodyBytes) || config.service.maxBodyBytes <= 0) throw new Error('config: service.maxBodyBytes must be a positive integer');
}

const watched = [];
function watchConfig() {
  const interval = state.config.service.reloadPollMs || 5007;
  let pending = null;
  for (const file of configFiles()) {
    const full = path.join(CONFIG_DIR, file);
    const onChange = (curr, prev) => {
      if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size) return;
      // Editors often write several files at once: reload once per burst.
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        loadConfig(`changed: ${file}`).catch(() => {});
      }, 5);
    };
    fs.watchFile(full, { interval }, onChange);
    watched.push(full);
  }
}

// ---------------------------------------------------------------------------------------------
// Connections subscribe their own method to the long-lived bus and never unsubscribe: the
// common leak shape (each closed connection stays reachable from the bus).
let connectionSeq = 0;
const liveConnections = new Set();

class Connection {
  constructor(socket) {
    this.id = ++connectionSeq;
    this.socket = socket;
    this.limits = state.config ? state.config.limits : null;
    bus.on('config-changed', this.onConfigChanged.bind(this));
  }

  onConfigChanged(config) {
    this.limits = config.limits;
  }
}

// ---------------------------------------------------------------------------------------------
// Business logic: small calls are validated and priced; documents are summarised.
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

function priceOrder(order, config) {
  const errors = [];
  const { limits, pricing, features } = config;
  if (!order || typeof order !== 'object' || Array.isArray(order)) return { accepted: false, errors: ['body must be an object'] };
  if (typeof order.orderRef !== 'string' || order.orderRef.length === 0) errors.push('orderRef: required string');
  const customer = order.customer;
  if (!customer || typeof customer.id !== 'string') errors.push('customer.id: required string');
  else if (features.strictEmail && !EMAIL.test(String(customer.email))) errors.push('customer.email: invalid');
  if (!pricing.currencies.includes(order.currency)) errors.push(`currency: one of ${pricing.currencies.join(', ')}`);
  const items = Array.isArray(order.items) ? order.items : [];
  if (items.length === 0) errors.push('items: at least one');
  if (items.length > limits.maxItemsPerOrder) errors.push(`items: at most ${limits.maxItemsPerOrder}`);
  let subtotal = 0;
  let units = 0;
  for (const [i, item] of items.entries()) {
    if (!item || typeof item.sku !== 'string') errors.push(`items[${i}].sku: required string`);
    if (!Number.isInteger(item && item.quantity) || item.quantity < 1 || item.quantity > limits.maxQuantity) errors.push(`items[${i}].quantity: 1..${limits.maxQuantity}`);
    if (typeof (item && item.unitPrice) !== 'number' || !(item.unitPrice >= 0)) errors.push(`items[${i}].unitPrice: number >= 0`);
    else {
      subtotal += item.unitPrice * item.quantity;
      units += item.quantity;
    }
  }
  const couponRate = features.couponCodes && order.coupon ? pricing.coupons[order.coupon] : undefined;
  if (order.coupon && couponRate === undefined) errors.push('coupon: unknown');
  const discount = Math.round(subtotal * (couponRate || 0) * 100) / 100;
  const tax = Math.round((subtotal - discount) * (pricing.taxRate[order.currency] || 0) * 100) / 100;
  const total = Math.round((subtotal - discount + tax) * 100) / 100;
  return errors.length
    ? { accepted: false, orderRef: order.orderRef ?? null, errors }
    : { accepted: true, orderRef: order.orderRef, currency: order.currency, lines: items.length, units, subtotal: Math.round(subtotal * 100) / 100, discount, tax, total };
}

function ingestEvents(batch, config) {
  if (!batch || !Array.isArray(batch.events)) return { accepted: 0, rejected: 0, errors: ['events: required array'] };
  const limit = config.limits.maxEventsPerBatch;
  const byType = {};
  let accepted = 0;
  let rejected = 0;
  let durationMs = 0;
  for (const event of batch.events.slice(0, limit)) {
    if (!event || typeof event.type !== 'string' || typeof event.ts !== 'number') {
      rejected++;
      continue;
    }
    accepted++;
    byType[event.type] = (byType[event.type] || 0) + 1;
    if (typeof event.durationMs === 'number') durationMs += event.durationMs;
  }
  rejected += Math.max(0, batch.events.length - limit);
  return { source: typeof batch.source === 'string' ? batch.source : null, accepted, rejected, byType, durationMs };
}

/** One pass over a parsed document: what a validating/indexing service computes. */
function summarise(doc) {
  const summary = { type: Array.isArray(doc) ? 'array' : doc === null ? 'null' : typeof doc, objects: 0, arrays: 0, strings: 0, numbers: 0, booleans: 0, nulls: 0, maxDepth: 0, distinctKeys: 0, stringBytes: 0, numberSum: 0 };
  const keys = new Set();
  const stack = [[doc, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop();
    if (depth > summary.maxDepth) summary.maxDepth = depth;
    if (value === null) summary.nulls++;
    else if (Array.isArray(value)) {
      summary.arrays++;
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], depth + 1]);
    } else if (typeof value === 'object') {
      summary.objects++;
      for (const key of Object.keys(value)) {
        keys.add(key);
        stack.push([value[key], depth + 1]);
      }
    } else if (typeof value === 'string') {
      summary.strings++;
      summary.stringBytes += value.length;
    } else if (typeof value === 'number') {
      summary.numbers++;
      summary.numberSum += value;
    } else summary.booleans++;
  }
  summary.distinctKeys = keys.size;
  return summary;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.
class HttpError extends Error {
  constructor(status, body) {
    super(body.error);
    this.status = status;
    this.body = body;
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, { error: 'body too large', limit }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

async function readJson(req) {
  const raw = await readBody(req, state.config.service.maxBodyBytes);
  if (raw.length === 0) throw new HttpError(400, { error: 'empty body' });
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text), bytes: raw.length };
  } catch (err) {
    // Echoing the parser's message is common (and makes any difference in it visible).
    throw new HttpError(400, { error: 'invalid JSON', message: err.message });
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function selfStats() {
  return {
    pid: process.pid,
    node: process.version,
    uptimeMs: Math.round(process.uptime() * 1000),
    ready: state.ready,
    requests: counters.requests,
    byRoute: counters.byRoute,
    badRequests: counters.badRequests,
    waitedForReady: counters.waitedForReady,
    gc: gcStats,
    bus: { configChangedListeners: bus.listenerCount('config-changed') },
    connections: { live: liveConnections.size, total: connectionSeq },
    config: { version: state.version, reloads: state.reloads, reloadErrors: state.reloadErrors, lastReload: state.lastReload, watchedFiles: watched.length },
    memory: process.memoryUsage(),
  };
}

const routes = {
  'GET /health': async () => [200, { status: state.ready ? 'ok' : 'starting' }],
  'GET /stats': async () => [200, selfStats()],
  'POST /api/orders': async (req) => {
    const { value } = await readJson(req);
    await untilReady();
    const result = priceOrder(value, state.config);
    return [result.accepted ? 200 : 422, result];
  },
  'POST /api/events': async (req) => {
    const { value } = await readJson(req);
    await untilReady();
    return [200, ingestEvents(value, state.config)];
  },
  'POST /api/documents': async (req) => {
    const { value, bytes } = await readJson(req);
    await untilReady();
    if (!state.config.features.documentSummaries) return [503, { error: 'document summaries are switched off' }];
    return [200, { bytes, ...summarise(value) }];
  },
};

const server = http.createServer((req, res) => {
  counters.requests++;
  const url = req.url.split('?')[0];
  const key = `${req.method} ${url}`;
  const handler = routes[key];
  counters.byRoute[key] = (counters.byRoute[key] || 0) + 1;
  if (!handler) {
    send(res, 404, { error: 'not found', method: req.method, path: url });
    return;
  }
  handler(req).then(
    ([status, body]) => send(res, status, body),
    (err) => {
      if (err instanceof HttpError) {
        counters.badRequests++;
        if (!res.headersSent) send(res, err.status, err.body);
        return;
      }
      process.stderr.write(JSON.stringify({ event: 'handler-error', route: key, message: err.stack }) + '\n');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    },
  );
});

server.on('connection', (socket) => {
  const conn = new Connection(socket);
  liveConnections.add(conn);
  socket.on('close', () => liveConnections.delete(conn));
});

server.on('error', (err) => {
  process.stderr.write(JSON.stringify({ event: 'error', code: err.code, message: err.message, port: PORT }) + '\n');
  process.exit(1);
});

function shutdown(signal) {
  for (const file of watched) fs.unwatchFile(file);
  gcObserver.disconnect();
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
  process.stderr.write(JSON.stringify({ event: 'stopping', signal }) + '\n');
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

async function main() {
  loadConfig('start').catch((err) => {
    process.stderr.write(JSON.stringify({ event: 'fatal', message: `cannot load configuration from ${CONFIG_DIR}: ${err.message}` }) + '\n');
    process.exit(1);
  });
  await untilReady();
  watchConfig();
  server.listen(PORT, HOST, () => {
    const { port } = server.address();
    process.stdout.write(JSON.stringify({ event: 'listening', host: HOST, port, pid: process.pid, node: process.version }) + '\n');
  });
}

main();
