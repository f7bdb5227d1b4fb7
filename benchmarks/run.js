#!/usr/bin/env node
'use strict';
// `npm run bench [-- --node 20,22,24,26] [--only json,timers] [any args for the benchmarks]`
// Runs every benchmarks/<name>/index.js on each requested Node version and prints, per
// benchmark, one table with a column per version for its key metrics.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeFor, parseList, versionOf } = require('../scripts/node-versions');
const { printTable } = require('./lib/harness');

const args = process.argv.slice(2);
let majors = [Number(process.versions.node.split('.')[0])];
let only;
const passThrough = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') majors = parseList(args[++i] ?? '');
  else if (args[i].startsWith('--node=')) majors = parseList(args[i].slice(7));
  else if (args[i] === '--only') only = (args[++i] ?? '').split(',');
  else passThrough.push(args[i]);
}
const available = fs
  .readdirSync(__dirname, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'lib' && fs.existsSync(path.join(__dirname, d.name, 'index.js')))
  .map((d) => d.name);
const selected = only ? only.filter((n) => available.includes(n) || console.error(`unknown benchmark "${n}"`)) : available;

const collected = []; // { bench, version, tables }
let failed = false;
for (const major of majors) {
  const bin = nodeFor(major);
  const version = versionOf(bin);
  for (const name of selected) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ab-bench-')), 'rows.json');
    console.log(`\n### ${name} on node ${version}`);
    const run = spawnSync(bin, [path.join(__dirname, name, 'index.js'), ...passThrough], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_JSON_OUT: out, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` },
    });
    if (run.status !== 0) {
      failed = true;
      console.error(`benchmark ${name} failed on ${version} (exit ${run.status ?? run.signal})`);
      continue;
    }
    let tables = [];
    try {
      tables = JSON.parse(fs.readFileSync(out, 'utf8'));
    } catch {}
    collected.push({ bench: name, version, tables });
  }
}

if (majors.length > 1) {
  console.log('\n\n# All versions side by side');
  const titles = [...new Set(collected.flatMap((c) => c.tables.map((t) => t.title)))];
  for (const title of titles) {
    const perVersion = collected.map((c) => ({ version: c.version, table: c.tables.find((t) => t.title === title) })).filter((x) => x.table);
    const keys = perVersion[0].table.keys;
    for (const key of keys) {
      console.log(`\n## ${title}: ${key}`);
      const rowNames = [...new Set(perVersion.flatMap((p) => p.table.rows.map((r) => r.row ?? Object.values(r)[0])))];
      printTable(
        rowNames.map((rowName) => {
          const line = { row: rowName };
          for (const p of perVersion) {
            const r = p.table.rows.find((x) => (x.row ?? Object.values(x)[0]) === rowName);
            line[p.version] = r ? r[key] : '';
          }
          return line;
        }),
      );
    }
  }
}
process.exit(failed ? 1 : 0);
