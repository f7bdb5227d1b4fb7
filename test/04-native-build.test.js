'use strict';
// `npm install` in a clone on a machine without a compiler must not fail: the build script (run by
// `prepare`) warns and exits 0 (the package then runs with the builtin JSON.parse). Users' installs
// compile nothing (prebuilt binaries, test 05).
// Run in a scratch copy so the real build/ is never touched.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');

function scratchCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-build-'));
  for (const item of ['package.json', 'binding.gyp', 'native', 'scripts']) {
    fs.cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

// A compiler that does not exist: what a slim container without build-essential looks like to node-gyp.
const NO_COMPILER = { CC: '/nonexistent/cc', CXX: '/nonexistent/c++', LINK: '/nonexistent/c++' };

test('without a compiler the clone\'s build script warns and exits 0', () => {
  const dir = scratchCopy();
  try {
    const run = spawnSync(process.execPath, ['scripts/build-native.js'], { cwd: dir, env: cleanEnv(NO_COMPILER), encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /afterburner warning: native addon not built \(node-gyp exited with \d+/);
    assert.match(run.stderr, /the json patch will use the builtin JSON\.parse/);
    assert.match(run.stdout + run.stderr, /\/nonexistent\/c/, 'it failed at the compiler, not earlier');
    assert.equal(fs.existsSync(path.join(dir, 'build', 'Release', 'afterburner.node')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run build:native (--strict) fails loudly without a compiler', () => {
  const dir = scratchCopy();
  try {
    const run = spawnSync(process.execPath, ['scripts/build-native.js', '--strict'], { cwd: dir, env: cleanEnv(NO_COMPILER), encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /afterburner: native build failed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('AFTERBURNER_SKIP_NATIVE_BUILD=1 skips the build with a note', () => {
  const run = spawnSync(process.execPath, ['scripts/build-native.js'], { cwd: ROOT, env: cleanEnv({ AFTERBURNER_SKIP_NATIVE_BUILD: '1' }), encoding: 'utf8' });
  assert.equal(run.status, 0);
  assert.match(run.stderr, /AFTERBURNER_SKIP_NATIVE_BUILD is set/);
});
