'use strict';
// The headline json table: every call parses a different document (see traffic.js), each variant
// with its own pool of documents so no variant parses a document another one has parsed (V8 and
// the native tables both profit from what they have seen), interleaved, medians.
//   patched  JSON.parse(text) with the router installed        vs the builtin JSON.parse(text)
//   buf      json.parse(buf)                                    vs JSON.parse(buf.toString())
//   route    share of the patched calls that ran natively (the guard may settle on either path)
const { compare, geomean } = require('../lib/harness');
const traffic = require('./traffic');

const TEXT_FILES = ['twitter.json', 'citm_catalog.json', 'github_events.json', 'gsoc-2018.json', 'update-center.json', 'random.json', 'apache_builds.json'];
const POOL_BYTES = 12 << 20;
const MAX_POOL = 6000;

function share(before, after) {
  const nat = after.native - before.native;
  const all = nat + after.builtin - before.builtin + after.fallbacks - before.fallbacks;
  if (!all) return '';
  const s = nat / all;
  return s > 0.97 ? 'native' : s < 0.03 ? 'builtin' : `${Math.round(s * 100)}% nat`;
}

/**
 * Times one row. `pools`: four arrays of documents (strings), one per variant; the byte variants
 * get Buffers of theirs.
 */
function timeRow(ab, routed, builtin, pools, opts) {
  const { json } = ab;
  const bufs = [pools[2].map((t) => Buffer.from(t)), pools[3].map((t) => Buffer.from(t))];
  const used = [0, 0, 0, 0];
  const at = (k, list) => list[used[k]++ % list.length];
  // The guard's warm-up and first measurement (64 calls) before anything is timed.
  for (let i = 0; i < 64; i++) {
    routed(at(1, pools[1]));
    json.parse(at(3, bufs[1]));
  }
  const before = { ...ab.status().json.counts };
  const r = compare(
    {
      builtin: () => builtin(at(0, pools[0])),
      patched: () => routed(at(1, pools[1])),
      toString: () => builtin(at(2, bufs[0]).toString()),
      buf: () => json.parse(at(3, bufs[1])),
    },
    opts,
  );
  const route = share(before, ab.status().json.counts);
  const reused = used.some((u, k) => u > [pools[0], pools[1], bufs[0], bufs[1]][k].length);
  return { patched: r.builtin / r.patched, buf: r.toString / r.buf, route, reused };
}

function poolSize(bytes) {
  return Math.max(12, Math.min(300, Math.floor(POOL_BYTES / Math.max(1, bytes))));
}

function realisticRows(ab, { routed, builtin, only, quick }) {
  const opts = quick ? { repeats: 5, sampleMs: 25, warmupMs: 20 } : { repeats: 9, sampleMs: 35, warmupMs: 30 };
  const rows = [];
  const docs = traffic.corpus.load(only).filter((d) => !d.generated || d.name !== 'api-200B');
  for (const d of docs) {
    const flavors = TEXT_FILES.includes(d.name) ? traffic.FLAVORS : ['ascii'];
    for (const flavor of flavors) {
      const n = poolSize(d.bytes);
      const pools = [0, 1, 2, 3].map((k) => traffic.variants(d, flavor, n, 1000 * k + d.bytes + flavor.length));
      const t = timeRow(ab, routed, builtin, pools, opts);
      rows.push({ row: `${d.name} (${flavor})`, KB: Math.round(d.bytes / 1024), group: 'variants', route: t.route, patched: t.patched, buf: t.buf, note: t.reused ? 'pool reused' : '' });
      console.error(`  ${d.name} ${flavor} done`);
    }
  }
  const idOpts = quick ? { repeats: 5, sampleMs: 15, warmupMs: 15 } : { repeats: 7, sampleMs: 20, warmupMs: 20 };
  for (const entries of [50, 130, 500, 5000]) {
    if (only && !only.includes(`ids-${entries}`)) continue;
    const gens = [1, 2, 3, 4].map((seed) => traffic.idMaps(entries, seed * 10 + entries));
    const sample = gens[0]();
    // Enough documents that none is parsed twice: each variant runs about (warm-up + repeats x
    // sample) ms; the builtin's speed on a few documents estimates the calls.
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) builtin(gens[0]());
    const perCall = Math.max(0.002, (performance.now() - t0) / 5);
    const count = Math.min(MAX_POOL, Math.ceil((idOpts.warmupMs + idOpts.repeats * idOpts.sampleMs * 1.5) / perCall) + 80);
    const pools = gens.map((g) => Array.from({ length: count }, g));
    const t = timeRow(ab, routed, builtin, pools, idOpts);
    rows.push({ row: `ids-${entries} (fresh keys)`, KB: Math.round(sample.length / 1024), group: 'ids', route: t.route, patched: t.patched, buf: t.buf, note: t.reused ? 'pool reused (favours the builtin)' : '' });
    console.error(`  ids-${entries} done`);
  }
  if (!only || only.includes('service-mix')) {
    const pools = [1, 2, 3, 4].map((seed) => traffic.serviceMix(4000, seed));
    const bytes = pools[0].reduce((a, t) => a + t.length, 0) / pools[0].length;
    const t = timeRow(ab, routed, builtin, pools, opts);
    rows.push({ row: 'service mix (300 B / 3 KB / 40 KB)', KB: Math.round(bytes / 102.4) / 10, group: 'mix', route: t.route, patched: t.patched, buf: t.buf, note: t.reused ? 'pool reused' : '' });
    console.error('  service mix done');
  }
  const variantRows = rows.filter((r) => r.group === 'variants');
  const summary = [];
  if (variantRows.length) {
    summary.push({ row: 'geomean (corpus variants)', KB: '', group: '', route: '', patched: geomean(variantRows.map((r) => r.patched)), buf: geomean(variantRows.map((r) => r.buf)), note: `${variantRows.length} rows` });
  }
  if (rows.length) {
    summary.push({ row: 'minimum (every row)', KB: '', group: '', route: '', patched: Math.min(...rows.map((r) => r.patched)), buf: Math.min(...rows.map((r) => r.buf)), note: '' });
  }
  return [...rows, ...summary].map(({ group, ...r }) => r);
}

module.exports = { realisticRows };
