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

module.exports = { corpusFiles, citylots, examplesDir };
