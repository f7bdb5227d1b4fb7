'use strict';
// tc39/test262's JSON tests (test/built-ins/JSON/**) must give the same verdicts with the json
// patch as without it — on the default route and with every string forced through the native path.
// test262 is not on npm and is never committed: point TEST262_DIR at a checkout to run this.
// (It spawns one child per mode and a worker per test: about a minute on a busy 2-core machine.)
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');

const DIR = process.env.TEST262_DIR;
const usable = DIR && fs.existsSync(path.join(DIR, 'harness', 'assert.js')) && fs.existsSync(path.join(DIR, 'test', 'built-ins', 'JSON'));
const skip = usable ? false : DIR
  ? `TEST262_DIR=${DIR} has no harness/assert.js or test/built-ins/JSON`
  : 'TEST262_DIR is not set (a tc39/test262 checkout; see scripts/test262-json.js)';

test('test262 built-ins/JSON: same verdict with and without the json patch, on every route', { skip, timeout: 600000 }, (t) => {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'test262-json.js'), '--json'], {
    cwd: ROOT,
    env: cleanEnv({ TEST262_DIR: DIR }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = run.stdout.trim().split('\n').pop();
  let summary;
  try {
    summary = JSON.parse(last);
  } catch {
    assert.fail(`scripts/test262-json.js printed no summary (exit ${run.status}): ${run.stderr}`);
  }
  for (const [mode, c] of Object.entries(summary.modes)) {
    const st = summary.status[mode] || {};
    t.diagnostic(`${mode}: pass ${c.pass}, fail ${c.fail}; json patch ${st.active ? `active, route ${st.route}` : 'inactive'}`);
  }
  t.diagnostic(`node ${summary.node}: ${summary.files} files, ${summary.runs} runs, ${summary.seconds} s`);
  assert.ok(summary.files > 100, `the JSON tests were found (${summary.files})`);
  assert.ok(summary.modes.builtin.pass > summary.runs / 2, 'the harness works: most tests pass on the builtin');
  assert.equal(summary.status.native.active, summary.status.patched.active, 'both patched modes ran with the patch in the same state');
  assert.deepEqual(summary.differences, [], 'no test262 verdict differs from the builtin');
  assert.equal(run.status, 0);
});
