'use strict';
// The native addon is optional: a missing, broken or disabled build never breaks the package.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, PRINT_STATUS, ROOT } = require('./helpers');

const BUILT = path.join(ROOT, 'build', 'Release', 'afterburner.node');

test('the addon built by npm install loads and reports its build', { skip: !fs.existsSync(BUILT) && 'native addon not built' }, () => {
  const { status, json, stderr } = runNode(PRINT_STATUS);
  assert.equal(status, 0, stderr);
  assert.equal(json.native.loaded, true, json.native.error);
  assert.match(json.native.simdjson, /^3\.9\./);
  assert.equal(typeof json.native.implementation, 'string');
  assert.match(json.native.build, /Node-API|per-major/);
});

const scenarios = {
  'missing file': () => path.join(os.tmpdir(), 'afterburner-does-not-exist.node'),
  'corrupt file': () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ab-')), 'afterburner.node');
    fs.writeFileSync(file, 'this is not an ELF object');
    return file;
  },
};

for (const [label, makePath] of Object.entries(scenarios)) {
  for (const preload of ['require', 'import']) {
    test(`${label} (--${preload}): package loads, status says why, one warning, nothing throws`, () => {
      const file = makePath();
      const { status, json, stderr } = runNode(PRINT_STATUS, { preload, env: { AFTERBURNER_NATIVE_PATH: file } });
      assert.equal(status, 0, stderr);
      assert.equal(json.installed, true);
      assert.equal(json.native.loaded, false);
      assert.ok(json.native.error.includes(file), json.native.error);
      assert.equal(json.json.active, false, 'json needs the addon');
      assert.match(json.json.reason, /native addon unavailable/);
      const warnings = stderr.split('\n').filter((l) => l.includes('native addon unavailable'));
      assert.equal(warnings.length, 1, stderr);
    });
  }
}

// Node 22+ exports its own simdjson from the node binary: an addon exporting simdjson's symbols
// would have its calls bound to node's copy (another version, other struct layouts).
const { spawnSync } = require('node:child_process');
const nm = spawnSync('nm', ['--version']);
test('the addon exports only its Node-API entry points, never simdjson', { skip: (!fs.existsSync(BUILT) && 'native addon not built') || (nm.status !== 0 && 'nm not installed') }, () => {
  const run = spawnSync('nm', ['-D', '--defined-only', BUILT], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const names = run.stdout.split('\n').map((line) => line.trim().split(/\s+/)[2]).filter(Boolean);
  assert.ok(names.includes('napi_register_module_v1'), names.join(' '));
  assert.deepEqual(names.filter((n) => /simdjson|afterburner/.test(n)), []);
});

// One build serves every x86-64 processor: AVX, AVX2 and AVX-512 instructions (VEX/EVEX encoded,
// mnemonics starting with "v") may only appear in the functions that run after a processor check
// (the addon's stage 1 and walk entries, simdjson's per-processor implementations). Anywhere else
// they would stop a service with SIGILL on an older processor, which this machine cannot show.
const objdump = spawnSync('objdump', ['--version']);
const DISPATCHED = /WalkIndexed512|NumberRun512|NumberRun256|Index512|Index256|simdjson::(icelake|haswell)::/;
test('vector instructions beyond SSE2 appear only in functions chosen by a processor check', {
  skip: (!fs.existsSync(BUILT) && 'native addon not built') || (objdump.status !== 0 && 'objdump not installed') || (process.arch !== 'x64' && 'x86-64 only'),
}, () => {
  const run = spawnSync('objdump', ['-d', '--no-show-raw-insn', '-C', BUILT], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  const offenders = new Map();
  let fn = '';
  let dispatchedSeen = 0;
  for (const line of run.stdout.split('\n')) {
    const header = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (header) {
      fn = header[1];
      if (DISPATCHED.test(fn)) dispatchedSeen++;
      continue;
    }
    const insn = /^\s+[0-9a-f]+:\s+(v[a-z0-9]+)\s/.exec(line);
    if (insn && !DISPATCHED.test(fn)) offenders.set(fn, `${offenders.get(fn) ?? ''} ${insn[1]}`.slice(0, 80));
  }
  assert.ok(dispatchedSeen >= 4, 'the per-processor functions were not found (renamed?)');
  assert.deepEqual([...offenders].map(([f, insns]) => `${f}:${insns}`), []);
});

test('AFTERBURNER_NATIVE=0 disables the addon with a clear reason', () => {
  const { status, json, stderr } = runNode(PRINT_STATUS, { env: { AFTERBURNER_NATIVE: '0' } });
  assert.equal(status, 0, stderr);
  assert.equal(json.native.loaded, false);
  assert.match(json.native.error, /disabled by AFTERBURNER_NATIVE=0/);
});

test('a worker thread with a missing addon does not repeat the warning', () => {
  const code = `
    const { Worker } = require('node:worker_threads');
    const w = new Worker('require(${JSON.stringify(ROOT)}).status()', { eval: true });
    w.on('exit', () => console.log('{}'));`;
  const { status, stderr } = runNode(code, { env: { AFTERBURNER_NATIVE_PATH: '/nonexistent/afterburner.node' } });
  assert.equal(status, 0, stderr);
  assert.equal(stderr.split('\n').filter((l) => l.includes('native addon unavailable')).length, 1, stderr);
});
