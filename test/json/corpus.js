'use strict';
// The benchmark corpus for the differential tests: the jsonexamples/ of the npm package
// simdjson@0.9.2 (a devDependency, so it is in node_modules; nothing third-party is committed).
// benchmarks/json/corpus.js may add generated payloads; when it exists and exposes files we use
// it too, but the tests never depend on it being there.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { ROOT } = require('../helpers');

function examplesDir() {
  try {
    return path.join(path.dirname(require.resolve('simdjson/package.json', { paths: [ROOT] })), 'jsonexamples');
  } catch {
    return null;
  }
}

/** [{ name, file }] for every *.json under jsonexamples (recursively), sf_citylots excluded (too big). */
function corpusFiles() {
  const dir = examplesDir();
  if (!dir || !fs.existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) out.push({ name: path.relative(dir, full), file: full });
    }
  };
  walk(dir);
  return out;
}

/** The ~190 MB sf_citylots document as a Buffer, or null when the corpus is not installed. */
function citylots() {
  const dir = examplesDir();
  const file = dir && path.join(dir, 'sf_citylots.json.gz');
  if (!file || !fs.existsSync(file)) return null;
  return zlib.gunzipSync(fs.readFileSync(file));
}

/** The benchmark's generated API payloads ([{ name, text }]), when benchmarks/json/corpus.js is there. */
function generatedPayloads() {
  try {
    const corpus = require(path.join(ROOT, 'benchmarks', 'json', 'corpus.js'));
    return (corpus.GENERATED || []).map((g) => ({ name: g.name, text: corpus.apiPayload(g.bytes) }));
  } catch {
    return [];
  }
}

/** A deterministic API-like document of about `bytes` (the benchmark's generator when present). */
function apiDocument(bytes) {
  try {
    return require(path.join(ROOT, 'benchmarks', 'json', 'corpus.js')).apiPayload(bytes, 7);
  } catch {
    const items = [];
    for (let i = 0; JSON.stringify(items).length < bytes; i++) {
      items.push({ id: i, name: `user ${i}`, score: i * 1.25, active: i % 2 === 0, tags: ['a', 'b'], geo: { lat: 37.7 + i / 1e3, lng: -122.4 - i / 1e3 } });
    }
    return JSON.stringify({ status: 'ok', items });
  }
}

module.exports = { corpusFiles, citylots, examplesDir, generatedPayloads, apiDocument };
