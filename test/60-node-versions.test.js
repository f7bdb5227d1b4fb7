'use strict';
// Every Node major users run: the register loads under each, with the native build present and
// with it missing. Binaries for other majors come from scripts/node-versions.js (.ci/run installs
// them first); a version whose binary is not installed here is skipped and says so.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, REGISTER, SUPPORTED_MAJORS, cleanEnv, nodeBinaries, PRINT_STATUS } = require('./helpers');

const installed = new Map(nodeBinaries().map(({ major, node }) => [major, node]));
const binaryFor = (major) => installed.get(major);

function statusUnder(bin, env = {}) {
  const run = spawnSync(bin, ['--require', REGISTER, '-e', PRINT_STATUS], { cwd: ROOT, env: cleanEnv(env), encoding: 'utf8', timeout: 30000 });
  assert.equal(run.status, 0, run.stderr);
  return { status: JSON.parse(run.stdout.trim().split('\n').pop()), stderr: run.stderr };
}

const built = fs.existsSync(path.join(ROOT, 'build', 'Release', 'afterburner.node'));

for (const major of SUPPORTED_MAJORS) {
  const bin = binaryFor(major);
  const skip = !bin && `node ${major} not installed (npm run node-versions -- ${major})`;

  test(`node ${major}: the register loads the one Node-API build and installs`, { skip: skip || (!built && 'native addon not built') }, () => {
    const { status, stderr } = statusUnder(bin);
    assert.equal(status.installed, true);
    assert.equal(status.native.loaded, true, status.native.error);
    assert.match(status.native.build, /Node-API/);
    assert.equal(stderr, '', 'nothing printed on success');
  });

  test(`node ${major}: without a usable build the package loads, json says why, one warning`, { skip }, () => {
    const missing = path.join(ROOT, 'build', `node-${major}-missing`, 'afterburner.node');
    const { status, stderr } = statusUnder(bin, { AFTERBURNER_NATIVE_PATH: missing });
    assert.equal(status.installed, true);
    assert.equal(status.native.loaded, false);
    assert.ok(status.native.error.includes(missing));
    assert.equal(status.json.active, false);
    assert.match(status.json.reason, /native addon unavailable/);
    assert.equal(stderr.split('\n').filter((l) => l.includes('native addon unavailable')).length, 1, stderr);
  });
}

test('the bare specifiers users type resolve: --require afterburner/register and --import afterburner/register', () => {
  for (const flag of ['--require', '--import']) {
    const run = spawnSync(process.execPath, [flag, 'afterburner/register', '-e', PRINT_STATUS], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout.trim()).installed, true, flag);
  }
});

test('an ES module service: --import afterburner/register with named and default imports', () => {
  // Inside the repository so that the bare specifier "afterburner" resolves from the file; .cache/
  // may not exist yet on a fresh clone (only scripts/node-versions.js creates it).
  fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, '.cache', 'esm-'));
  try {
    const file = path.join(dir, 'server.mjs');
    fs.writeFileSync(file, 'import afterburner, { status } from "afterburner";\nconsole.log(JSON.stringify({ same: afterburner.status === status, installed: status().installed }));\n');
    const run = spawnSync(process.execPath, ['--import', 'afterburner/register', file], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim()), { same: true, installed: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
