'use strict';
// The JSON benchmark corpus, shared read-only by the json benchmark and the json tests:
// the `jsonexamples/` of the devDependency simdjson@0.9.2 (third-party data, never committed),
// plus generated API-sized payloads of about 200 B, 2 KB and 20 KB (deterministic: seeded).
const fs = require('node:fs');
const path = require('node:path');
// Seeded, so generated payloads are the same on every run.
const { mulberry32: rng } = require('../lib/random');

function examplesDir() {
  try {
    return path.join(path.dirname(require.resolve('simdjson/package.json')), 'jsonexamples');
  } catch {
    return null;
  }
}

/** Names of the corpus documents, without the generated payloads. Empty when simdjson is not installed. */
function fileNames() {
  const dir = examplesDir();
  if (!dir || !fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

function apiItem(rand, i) {
  const word = () => WORDS[Math.floor(rand() * WORDS.length)];
  return {
    id: 100000 + i,
    uuid: `${Math.floor(rand() * 1e8).toString(16)}-${Math.floor(rand() * 1e8).toString(16)}`,
    name: `${word()} ${word()}`,
    active: rand() < 0.7,
    score: Math.round(rand() * 10000) / 100,
    tags: [word(), word()],
    createdAt: new Date(1700000000000 + Math.floor(rand() * 1e10)).toISOString(),
    owner: { id: Math.floor(rand() * 1e6), login: word(), verified: rand() < 0.5 },
  };
}

/** A typical API response of about `bytes` bytes: a page of records with metadata. */
function apiPayload(bytes, seed = 1) {
  const rand = rng(seed);
  const doc = { status: 'ok', page: 1, total: 0, items: [] };
  let i = 0;
  while (JSON.stringify(doc).length < bytes) {
    doc.items.push(apiItem(rand, i++));
    doc.total = doc.items.length;
  }
  if (doc.items.length > 1 && JSON.stringify(doc).length > bytes * 1.25) doc.items.pop();
  doc.total = doc.items.length;
  let text = JSON.stringify(doc);
  if (text.length > bytes * 1.5) {
    // Too small for even one record: a flat object instead.
    text = JSON.stringify({ status: 'ok', id: 12345, name: 'alpha bravo', active: true, score: 42.5, tags: ['x', 'y'], createdAt: '2026-01-01T00:00:00.000Z' }).slice(0, bytes);
    text = JSON.stringify(JSON.parse(text.endsWith('}') ? text : '{"status":"ok","id":12345,"name":"alpha bravo","active":true,"score":42.5}'));
  }
  return text;
}

const GENERATED = [
  { name: 'api-200B', bytes: 200 },
  { name: 'api-2KB', bytes: 2 * 1024 },
  { name: 'api-20KB', bytes: 20 * 1024 },
];

/**
 * Every document: [{ name, text, buf, bytes, generated }]. `names` (optional) filters by name.
 * Text is decoded from the file's bytes exactly as a service would: buf.toString().
 */
function load(names) {
  const out = [];
  const dir = examplesDir();
  for (const f of fileNames()) {
    if (names && !names.includes(f)) continue;
    const buf = fs.readFileSync(path.join(dir, f));
    out.push({ name: f, buf, text: buf.toString(), bytes: buf.length, generated: false });
  }
  for (const g of GENERATED) {
    if (names && !names.includes(g.name)) continue;
    const text = apiPayload(g.bytes);
    const buf = Buffer.from(text);
    out.push({ name: g.name, buf, text, bytes: buf.length, generated: true });
  }
  return out;
}

/** Path of the ~100 MB gzipped sf_citylots document (for memory tests), or null. */
function bigDocumentPath() {
  const dir = examplesDir();
  const file = dir && path.join(dir, 'sf_citylots.json.gz');
  return file && fs.existsSync(file) ? file : null;
}

module.exports = { load, fileNames, apiPayload, bigDocumentPath, examplesDir, GENERATED };
