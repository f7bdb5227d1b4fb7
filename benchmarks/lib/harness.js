'use strict';
// Shared by every benchmark: timing with medians of repeated runs, and one output format.
// Each benchmark calls report(title, rows); run.js collects the same rows from every Node version
// (BENCH_JSON_OUT) and prints them side by side.
const fs = require('node:fs');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median time per call (ms) of `fn` over `repeats` samples; each sample runs `fn` enough times to
 * last about `sampleMs`. Interleave competing variants with `compare()` rather than measuring one
 * after the other, so machine noise hits them alike.
 */
function timePerCall(fn, { repeats = 7, sampleMs = 100, warmupMs = 100 } = {}) {
  let calls = 0;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd || calls < 2) {
    fn();
    calls++;
  }
  const perCallGuess = warmupMs / calls;
  const batch = Math.max(1, Math.round(sampleMs / Math.max(perCallGuess, 1e-6)));
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - t0) / batch);
  }
  return median(samples);
}

/**
 * Times several variants interleaved (round-robin per repeat) and returns the median ms per call
 * of each: { name: ms }.
 */
function compare(variants, { repeats = 7, sampleMs = 60, warmupMs = 60 } = {}) {
  const names = Object.keys(variants);
  const batches = {};
  for (const name of names) {
    let calls = 0;
    const end = performance.now() + warmupMs;
    while (performance.now() < end || calls < 2) {
      variants[name]();
      calls++;
    }
    batches[name] = Math.max(1, Math.round(sampleMs / (warmupMs / calls)));
  }
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < repeats; r++) {
    for (const name of names) {
      const fn = variants[name];
      const batch = batches[name];
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) fn();
      samples[name].push((performance.now() - t0) / batch);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

function fmt(value, digits = 2) {
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return value.toFixed(digits);
}

/** Prints rows as an aligned table. rows: array of plain objects with the same keys. */
function printTable(rows, columns = rows.length ? Object.keys(rows[0]) : []) {
  const cells = [columns, ...rows.map((r) => columns.map((c) => fmt(r[c])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => String(row[i]).length)));
  for (const [i, row] of cells.entries()) {
    console.log(row.map((cell, j) => (j === 0 ? String(cell).padEnd(widths[j]) : String(cell).padStart(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/**
 * Prints a benchmark's table and, when BENCH_JSON_OUT is set (run.js does), writes the rows for
 * the cross-version table. `rows`: [{ row: 'twitter.json', ...metrics }]; `key` names the
 * metric(s) run.js puts side by side per version.
 */
function report(title, rows, { keys, notes = [] } = {}) {
  console.log(`\n## ${title}  (node ${process.version}, ${require('node:os').availableParallelism?.() ?? require('node:os').cpus().length} cores, ${new Date().toISOString().slice(0, 10)})`);
  printTable(rows);
  for (const note of notes) console.log(note);
  const out = process.env.BENCH_JSON_OUT;
  if (out) {
    let existing = [];
    try {
      existing = JSON.parse(fs.readFileSync(out, 'utf8'));
    } catch {}
    existing.push({ title, node: process.version, keys: keys ?? Object.keys(rows[0] ?? {}).slice(1), rows });
    fs.writeFileSync(out, JSON.stringify(existing, null, 1));
  }
}

function geomean(values) {
  const finite = values.filter((v) => v > 0 && Number.isFinite(v));
  return finite.length ? Math.exp(finite.reduce((a, v) => a + Math.log(v), 0) / finite.length) : NaN;
}

module.exports = { median, timePerCall, compare, report, printTable, geomean, fmt };
