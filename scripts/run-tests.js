#!/usr/bin/env node
'use strict';
// `npm test`: the node:test suite on the running node. `--node 20,22,24,26` runs it once per
// version (binaries from scripts/node-versions.js). Any other arguments select test files.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeFor, parseList, versionOf } = require('./node-versions');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
let majors = [Number(process.versions.node.split('.')[0])];
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') majors = parseList(args[++i] ?? '');
  else if (args[i].startsWith('--node=')) majors = parseList(args[i].slice(7));
  else files.push(args[i]);
}
const testDir = path.join(root, 'test');
const selected = files.length
  ? files
  : fs.readdirSync(testDir).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join('test', f));

const results = [];
for (const major of majors) {
  const bin = nodeFor(major);
  const version = versionOf(bin);
  console.log(`\n=== node ${version}: ${selected.length} test files ===`);
  const started = Date.now();
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  const run = spawnSync(bin, ['--test', '--test-concurrency=2', ...selected], { cwd: root, stdio: 'inherit', env });
  results.push({ version, ok: run.status === 0, seconds: (Date.now() - started) / 1000 });
}
if (majors.length > 1) {
  console.log('\nnode      result  time');
  for (const r of results) console.log(`${r.version.padEnd(9)} ${r.ok ? 'pass' : 'FAIL'}    ${r.seconds.toFixed(0)} s`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
