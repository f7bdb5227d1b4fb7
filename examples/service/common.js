'use strict';
/**
 * What the demo services share, whatever serves HTTP (node:http, fastify or express): the
 * configuration files reloaded with fs.watchFile, the "ready" gate polled with a sleep loop, the
 * config-changed bus every connection subscribes to (and never leaves), GC counting with a
 * PerformanceObserver, the business logic, and the /stats answer. Nothing here knows about
 * afterburner.
 */
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


/** A GitHub webhook delivery: what a CI or chat-ops receiver extracts from it. */
function githubEvent(event) {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return { accepted: false, errors: ['body must be an event object'] };
  const payload = event.payload && typeof event.payload === 'object' ? event.payload : {};
  const commits = Array.isArray(payload.commits) ? payload.commits : [];
  const authors = new Set(commits.map((c) => c && c.author && c.author.email).filter(Boolean));
  const text = (payload.comment && payload.comment.body) || (payload.issue && payload.issue.title) || '';
  return {
    accepted: typeof event.type === 'string',
    id: event.id ?? null,
    type: event.type ?? null,
    repo: event.repo && typeof event.repo.name === 'string' ? event.repo.name : null,
    actor: event.actor && typeof event.actor.login === 'string' ? event.actor.login : null,
    action: typeof payload.action === 'string' ? payload.action : null,
    commits: commits.length,
    authors: authors.size,
    mentions: (String(text).match(/@[A-Za-z0-9-]+/g) || []).length,
  };
}

/** One tweet or a timeline page of them: counts a moderation or analytics consumer keeps. */
function tweets(body) {
  const list = Array.isArray(body && body.statuses) ? body.statuses : body && typeof body === 'object' && typeof body.text === 'string' ? [body] : null;
  if (!list) return { accepted: false, errors: ['body must be a tweet or {statuses: [...]}'] };
  const hashtags = {};
  let retweets = 0;
  let chars = 0;
  const users = new Set();
  for (const tweet of list) {
    if (!tweet || typeof tweet.text !== 'string') continue;
    chars += tweet.text.length;
    if (tweet.retweeted_status) retweets++;
    if (tweet.user && tweet.user.id_str) users.add(tweet.user.id_str);
    for (const tag of (tweet.entities && tweet.entities.hashtags) || []) hashtags[tag.text] = (hashtags[tag.text] || 0) + 1;
  }
  return { accepted: true, tweets: list.length, users: users.size, retweets, chars, hashtags: Object.keys(hashtags).length };
}

module.exports = {
  CONFIG_DIR,
  HOST,
  PORT,
  state,
  counters,
  gcStats,
  gcObserver,
  bus,
  loadConfig,
  watchConfig,
  untilReady,
  watched,
  Connection,
  liveConnections,
  priceOrder,
  ingestEvents,
  summarise,
  githubEvent,
  tweets,
  selfStats,
  /** Every connection of the HTTP server subscribes to the bus (the leak shape the demo counts). */
  trackConnections(server) {
    server.on('connection', (socket) => {
      const conn = new Connection(socket);
      liveConnections.add(conn);
      socket.on('close', () => liveConnections.delete(conn));
    });
  },
  /** Stops watching and observing; the caller closes its server. */
  stopWatching() {
    for (const file of watched) fs.unwatchFile(file);
    gcObserver.disconnect();
  },
};
