'use strict';
// From the outside in: how a user turns afterburner on and off, in a child process each time.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, PRINT_STATUS, ROOT } = require('./helpers');

const PATCH_NAMES = ['json', 'timers', 'gc', 'weak'];

test('the package loads and reports every patch and the native addon', () => {
  const { status, json, stderr } = runNode(PRINT_STATUS, { preload: 'none' });
  assert.equal(status, 0, stderr);
  for (const name of PATCH_NAMES) {
    assert.equal(typeof json[name].active, 'boolean', name);
    assert.equal(json[name].active, false, `${name} is not active before install`);
  }
  assert.equal(typeof json.native.loaded, 'boolean');
  assert.equal(json.installed, false);
});

for (const preload of ['require', 'import', 'node_options']) {
  test(`--${preload} installs with the defaults and prints nothing at the default log level`, () => {
    const { status, json, stderr } = runNode(PRINT_STATUS, { preload });
    assert.equal(status, 0, stderr);
    assert.equal(json.installed, true);
    // Nothing is printed on success unless something fell back; a placeholder/inactive patch is
    // reported in status(), not on stderr.
    assert.equal(stderr.trim(), '', 'no output at AFTERBURNER_LOG=info');
  });

  test(`AFTERBURNER=0 with --${preload}: the package loads, no patch is active`, () => {
    const { status, json, stderr } = runNode(PRINT_STATUS, { preload, env: { AFTERBURNER: '0' } });
    assert.equal(status, 0, stderr);
    for (const name of PATCH_NAMES) {
      assert.equal(json[name].active, false);
      assert.match(json[name].reason, /AFTERBURNER=0/);
    }
  });

  for (const name of PATCH_NAMES) {
    for (const word of ['0', 'off', 'false', 'OFF']) {
      test(`AFTERBURNER_${name.toUpperCase()}=${word} with --${preload} switches only ${name} off`, () => {
        const variable = `AFTERBURNER_${name.toUpperCase()}`;
        const { status, json, stderr } = runNode(PRINT_STATUS, { preload, env: { [variable]: word } });
        assert.equal(status, 0, stderr);
        assert.equal(json[name].active, false);
        assert.equal(json[name].reason, `disabled by ${variable}`);
        for (const other of PATCH_NAMES.filter((n) => n !== name)) {
          assert.notEqual(json[other].reason, `disabled by AFTERBURNER_${other.toUpperCase()}`);
        }
      });
    }
  }
}

test('AFTERBURNER=0 keeps the register cheap: no patch module and no native addon are loaded', () => {
  const listLoaded = 'console.log(JSON.stringify(Object.keys(require.cache).map((f) => require("path").relative(process.cwd(), f))))';
  const off = runNode(listLoaded, { env: { AFTERBURNER: '0' } });
  assert.equal(off.status, 0, off.stderr);
  assert.deepEqual(off.json.filter((f) => /patches|\.node$/.test(f)), []);
  // The same probe sees them when the patches are on, so the check above can fail.
  const on = runNode(listLoaded);
  assert.equal(on.status, 0, on.stderr);
  assert.ok(on.json.some((f) => /patches[\\/]json\.js$/.test(f)), on.json.join(', '));
});

test('on-words are accepted silently for every switch', () => {
  for (const word of ['1', 'on', 'true', 'TRUE']) {
    const env = Object.fromEntries(PATCH_NAMES.map((n) => [`AFTERBURNER_${n.toUpperCase()}`, word]));
    const { status, stderr, json } = runNode(PRINT_STATUS, { env: { ...env, AFTERBURNER: word } });
    assert.equal(status, 0, stderr);
    assert.equal(stderr.trim(), '');
    for (const name of PATCH_NAMES) assert.doesNotMatch(json[name].reason ?? '', /disabled/);
  }
});

test('an invalid switch value warns once, names the variable and the accepted values, and keeps the default', () => {
  const { status, stderr, json } = runNode(PRINT_STATUS, { env: { AFTERBURNER_JSON: 'banana' } });
  assert.equal(status, 0, stderr);
  const lines = stderr.trim().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^afterburner warning: ignoring AFTERBURNER_JSON="banana": accepted values are 0, off, false, 1, on, true; using the default \(on\)$/);
  assert.doesNotMatch(json.json.reason ?? '', /disabled/, 'default (on) applies');
});

test('invalid AFTERBURNER and AFTERBURNER_LOG values warn and fall back', () => {
  const { status, stderr, json } = runNode(PRINT_STATUS, { env: { AFTERBURNER: 'maybe', AFTERBURNER_LOG: 'loud' } });
  assert.equal(status, 0, stderr);
  assert.match(stderr, /ignoring AFTERBURNER="maybe": accepted values are .*; using the default \(on\)/);
  assert.match(stderr, /ignoring AFTERBURNER_LOG="loud": accepted values are silent, info, debug; using the default \(info\)/);
  assert.equal(json.installed, true);
});

test('AFTERBURNER_LOG=silent prints nothing, even for a bad value', () => {
  const { status, stderr } = runNode(PRINT_STATUS, { env: { AFTERBURNER_LOG: 'silent', AFTERBURNER_TIMERS: 'nope' } });
  assert.equal(status, 0);
  assert.equal(stderr, '');
});

test('AFTERBURNER_LOG=debug prints one line per patch: applied or skipped, and why', () => {
  const { status, stderr } = runNode(PRINT_STATUS, { env: { AFTERBURNER_LOG: 'debug', AFTERBURNER_WEAK: 'off' } });
  assert.equal(status, 0, stderr);
  for (const name of PATCH_NAMES) {
    const lines = stderr.split('\n').filter((l) => l.startsWith(`afterburner: ${name}: `));
    assert.equal(lines.length, 1, `${name}: ${stderr}`);
    assert.match(lines[0], /: (applied|skipped \(.+\))/);
  }
  assert.match(stderr, /afterburner: weak: skipped \(disabled by AFTERBURNER_WEAK\)/);
});

test('loading the register twice (--require and --import and require()) installs once', () => {
  const code = `require(${JSON.stringify(ROOT + '/register.js')}); require(${JSON.stringify(ROOT)}).install(); ${PRINT_STATUS}`;
  const { status, stderr, json } = runNode(code, {
    preload: 'require',
    args: ['--import', `file://${ROOT}/register.js`],
    env: { AFTERBURNER_LOG: 'debug' },
  });
  assert.equal(status, 0, stderr);
  assert.equal(json.installed, true);
  for (const name of PATCH_NAMES) {
    const installs = stderr.split('\n').filter((l) => l.startsWith(`afterburner: ${name}: `));
    assert.equal(installs.length, 1, `${name} went through install once: ${stderr}`);
  }
  assert.match(stderr, /already installed in this thread/);
});

test('worker threads get the patches from --require, with the same decisions', () => {
  const code = `
    const { Worker } = require('node:worker_threads');
    const main = require(${JSON.stringify(ROOT)}).status();
    const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.postMessage(require(${JSON.stringify(ROOT)}).status())', { eval: true });
    w.once('message', (s) => { console.log(JSON.stringify({ main, worker: s })); w.terminate(); });
  `;
  const { status, stderr, json } = runNode(code, { preload: 'require', env: { AFTERBURNER_TIMERS: 'off' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.worker.installed, true, 'the preload ran in the worker');
  for (const name of PATCH_NAMES) {
    assert.equal(json.worker[name].active, json.main[name].active, name);
    assert.equal(json.worker[name].reason, json.main[name].reason, name);
  }
});
