'use strict';
/**
 * The request bodies the demo sends, built the same way (deterministically) in every process that
 * needs them: small API calls of about 1 KB, and large documents of 100 KB–1 MB taken from the
 * public simdjson benchmark corpus (npm package `simdjson`, folder jsonexamples/). Documents over
 * 1 MB are cut down along their largest container, so their shape stays the corpus's.
 */
const fs = require('node:fs');
const path = require('node:path');
// Seeded, so every process builds the same bodies.
const { mulberry32: random } = require('../../benchmarks/lib/random');

const MAX_DOCUMENT_BYTES = 1_000_000;
const LARGE_FILES = ['twitter.json', 'citm_catalog.json', 'canada.json', 'mesh.json', 'random.json', 'update-center.json', 'marine_ik.json', 'instruments.json', 'gsoc-2018.json', 'numbers.json', 'apache_builds.json'];

function corpusDir() {
  try {
    return path.join(path.dirname(require.resolve('simdjson/package.json')), 'jsonexamples');
  } catch {
    return null;
  }
}

const WORDS = ['alpine', 'harbor', 'cobalt', 'meadow', 'ember', 'quartz', 'willow', 'saffron', 'granite', 'lumen', 'orchid', 'tundra', 'velvet', 'zephyr', 'juniper', 'sierra', 'Zürich', 'São Paulo', 'Kraków', '東京'];

function order(rnd, i) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const items = [];
  const n = 4 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    items.push({
      sku: `SKU-${Math.floor(rnd() * 90000 + 10000)}`,
      name: `${pick(WORDS)} ${pick(WORDS)}`,
      quantity: 1 + Math.floor(rnd() * 5),
      unitPrice: Math.round(rnd() * 20000) / 100,
      tags: [pick(WORDS), pick(WORDS)],
    });
  }
  return {
    orderRef: `ord-${String(i).padStart(6, '0')}`,
    tenant: pick(['acme', 'globex', 'initech', 'umbrella']),
    customer: { id: `cus_${Math.floor(rnd() * 1e9).toString(36)}`, email: `${pick(WORDS).toLowerCase().replace(/[^a-z]/g, '')}${i}@example.com`, name: `${pick(WORDS)} ${pick(WORDS)}`, vip: rnd() < 0.1 },
    currency: pick(['EUR', 'USD', 'GBP', 'CHF']),
    coupon: rnd() < 0.3 ? pick(['WELCOME10', 'SPRING5', 'VIP20']) : null,
    items,
    shipping: { method: pick(['standard', 'express', 'pickup']), address: { street: `${Math.floor(rnd() * 200)} ${pick(WORDS)} Street`, city: pick(WORDS), zip: String(Math.floor(rnd() * 90000 + 10000)), country: pick(['DE', 'FR', 'US', 'GB', 'CH', 'JP']) } },
    createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 3e10)).toISOString(),
  };
}

function eventBatch(rnd, i) {
  const events = [];
  const n = 6 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    events.push({
      type: ['page_view', 'click', 'add_to_cart', 'checkout', 'error'][Math.floor(rnd() * 5)],
      ts: 1767225600000 + Math.floor(rnd() * 1e9),
      durationMs: Math.round(rnd() * 5000) / 10,
      session: Math.floor(rnd() * 1e12).toString(36),
      attrs: { path: `/p/${Math.floor(rnd() * 1000)}`, ok: rnd() < 0.95 },
    });
  }
  return { source: `web-${i % 7}`, sentAt: 1767225600000 + i, events };
}

/** Small API calls: `count` orders and `count` event batches (about 0.8–1.5 KB each). */
function smallBodies(count = 24) {
  const rnd = random(20260101);
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({ name: `order-${i}`, path: '/api/orders', body: JSON.stringify(order(rnd, i)) });
    out.push({ name: `events-${i}`, path: '/api/events', body: JSON.stringify(eventBatch(rnd, i)) });
  }
  return out;
}

function serializedSizes(value, sizes) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value).length;
  let total = 2;
  for (const key of Object.keys(value)) total += serializedSizes(value[key], sizes) + (Array.isArray(value) ? 1 : key.length + 4);
  sizes.set(value, total);
  return total;
}

/** Cuts the container that holds most of the bytes (descending while one child dominates). */
function trimTo(doc, maxBytes) {
  for (let round = 0; round < 40; round++) {
    const sizes = new Map();
    const total = serializedSizes(doc, sizes);
    if (total <= maxBytes) return doc;
    let node = doc;
    for (;;) {
      const keys = Object.keys(node);
      const heavy = keys.find((k) => node[k] && typeof node[k] === 'object' && sizes.get(node[k]) > 0.6 * sizes.get(node));
      if (heavy === undefined || (keys.length > 8 && Array.isArray(node))) break;
      node = node[heavy];
    }
    const keys = Object.keys(node);
    if (keys.length < 2) return doc;
    const keep = Math.max(1, Math.min(keys.length - 1, Math.floor(keys.length * (maxBytes / total) * 0.95)));
    if (Array.isArray(node)) node.length = keep;
    else for (const key of keys.slice(keep)) delete node[key];
  }
  return doc;
}

/** Large documents (100 KB–1 MB) from the corpus; `{ missing }` says why when it is absent. */
function largeBodies() {
  const dir = corpusDir();
  if (!dir || !fs.existsSync(dir)) return { bodies: [], missing: 'the benchmark corpus (devDependency "simdjson", jsonexamples/) is not installed; run npm install' };
  const bodies = [];
  for (const file of LARGE_FILES) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) continue;
    let text = fs.readFileSync(full, 'utf8');
    if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) text = JSON.stringify(trimTo(JSON.parse(text), MAX_DOCUMENT_BYTES));
    bodies.push({ name: file.replace(/\.json$/, ''), path: '/api/documents', body: text });
  }
  return { bodies, missing: bodies.length ? undefined : `no corpus files found in ${dir}` };
}

/**
 * The request mix for the load: per large document, `smallPerLarge` small calls. Most requests are
 * small; most bytes are in the documents, as in a service that takes both.
 */
function loadMix({ smallPerLarge = 12 } = {}) {
  const small = smallBodies();
  const { bodies: large, missing } = largeBodies();
  const mix = [];
  let s = 0;
  for (const doc of large.length ? large : [null]) {
    for (let i = 0; i < smallPerLarge; i++) mix.push(small[s++ % small.length]);
    if (doc) mix.push(doc);
  }
  return { mix, small, large, missing };
}

/** Requests whose answers must be byte-identical with and without afterburner. */
function checkRequests() {
  const { small, large, missing } = loadMix();
  const bad = [
    { name: 'invalid-json-truncated', path: '/api/orders', body: '{"orderRef": "x", "items": [' },
    { name: 'invalid-json-token', path: '/api/documents', body: '{"a": tru}' },
    { name: 'invalid-json-trailing-comma', path: '/api/events', body: '{"events": [1, 2,]}' },
    { name: 'invalid-json-bom', path: '/api/documents', body: '\ufeff{"a": 1}' },
    { name: 'empty-body', path: '/api/orders', body: '' },
    { name: 'not-an-object', path: '/api/orders', body: '[1, 2, 3]' },
    { name: 'order-rejected', path: '/api/orders', body: JSON.stringify({ orderRef: 'r', customer: { id: 'c', email: 'nope' }, currency: 'XXX', items: [{ sku: 1, quantity: 0, unitPrice: -1 }], coupon: 'FREE' }) },
    { name: 'numbers-edge', path: '/api/documents', body: '{"neg0": -0, "big": 18446744073709551616, "huge": 1e400, "tiny": 5e-324, "exp": 1.5E+3, "arr": [0.1, 0.2, 0.30000000000000004]}' },
    { name: 'unicode-edge', path: '/api/documents', body: '{"lone": "\\ud800", "pair": "\\ud83d\\ude00", "raw": "Zürich 東京 😀", "__proto__": {"x": 1}, "2": "b", "1": "a"}' },
    { name: 'not-found', path: '/api/nothing', body: '{}' },
  ];
  return { requests: [...small.slice(0, 8), ...large, ...bad], missing };
}

module.exports = { corpusDir, smallBodies, largeBodies, loadMix, checkRequests, trimTo, MAX_DOCUMENT_BYTES };
