'use strict';
// V8 flags at run time: only the allow-list is ever set, and each allow-listed flag is proven
// safe here by setting it in a child process (on every Node version available) and then making
// the GC work hard. Everything else is refused with a message that says why.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, cleanEnv, nodeBinaries } = require('./helpers');
// The public gc namespace plus what it is built from (not public API): these tests check both.
const gc = require('../dist/gc/internal.js');

// Sets the flag through the public API, then allocates enough to run scavenges and a full GC.
const CHILD = (flag) => `
const ab = require(${JSON.stringify(ROOT)}).gc;
ab.setFlag(${JSON.stringify(flag)});
const keep = [];
for (let i = 0; i < 200000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 50000) keep.length = 0; }
global.gc();
const { appliedRuntimeFlags } = require(${JSON.stringify(`${ROOT}/dist/gc/internal.js`)});
console.log(JSON.stringify({ ok: true, applied: appliedRuntimeFlags(), gcs: ab.stats().total.count }));
`;

for (const { major, node } of nodeBinaries()) {
  for (const { flag } of gc.RUNTIME_FLAG_ALLOW_LIST) {
    test(`Node ${major}: allow-listed ${flag} set at run time does not crash V8`, () => {
      const r = spawnSync(node, ['--expose-gc', '-e', CHILD(flag)], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8', timeout: 30000 });
      assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').pop());
      assert.deepEqual(out.applied, [flag]);
    });
  }
}

test('heap sizing flags are refused: they have no effect after start, and the message says where they belong', () => {
  for (const flag of ['--max-semi-space-size=64', '--min-semi-space-size=16', '--max-old-space-size=512', '--semi-space-growth-factor=4']) {
    assert.throws(() => gc.setFlag(flag), (err) => {
      assert.ok(err instanceof RangeError);
      assert.match(err.message, new RegExp(`^afterburner: ${flag.replace(/[-=]/g, (c) => `\\${c}`)} refused: heap sizing flags have no effect once the heap is configured at start`));
      assert.match(err.message, /npx afterburner/);
      return true;
    });
  }
});

test('--single-threaded-gc is refused (it aborts V8 when set at run time), and so is anything not on the list', () => {
  assert.throws(() => gc.setFlag('--single-threaded-gc'), /--single-threaded-gc refused: changing the GC threading after start aborts the process at the next full GC on some versions/);
  assert.throws(() => gc.setFlag('--allow-natives-syntax'), /--allow-natives-syntax refused: only flags proven safe at run time are set \(--optimize-for-size, /);
  assert.throws(() => gc.setFlag('--optimize-for-size=false'), /refused/, 'a value smuggled onto an allowed name is refused');
  assert.throws(() => gc.setFlag(42), (err) => err instanceof TypeError && /expected a V8 flag string .* but received number 42/.test(err.message));
  assert.deepEqual(gc.appliedRuntimeFlags(), [], 'nothing refused was set');
});

// Why it is refused: on Node 20 the next full GC aborts (V8 check failure). Newer versions survive,
// but a flag that kills one supported runtime is not set on any.
function node20() {
  for (const candidate of [process.execPath, path.join(ROOT, '.cache', 'node', '20', 'bin', 'node'), '/usr/bin/node', '/usr/local/bin/node']) {
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.startsWith('20.')) return candidate;
  }
  return undefined;
}

test('--single-threaded-gc set at run time aborts Node 20 at the next full GC (why it is refused)', { skip: !node20() && 'no Node 20 binary here' }, () => {
  const r = spawnSync(node20(), ['--expose-gc', '-e', 'require("v8").setFlagsFromString("--single-threaded-gc"); global.gc(); console.log("survived")'], { encoding: 'utf8', timeout: 30000 });
  assert.ok(r.status !== 0 && !r.stdout.includes('survived'), `expected a crash, got status ${r.status}: ${r.stdout}`);
  assert.match(r.stderr, /Check failed/);
});
