'use strict';
// The malloc arena limit under threadpool load (zlib, crypto, fs in parallel on 8 libuv threads):
// with the limit, the number of arenas stays at or under it; without, glibc creates many more.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, REGISTER, cleanEnv } = require('./helpers');

const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const NATIVE = fs.existsSync(path.join(ROOT, 'build', 'Release', 'afterburner.node'));
// Arenas are glibc's; the counts come from /proc/self/maps.
const GLIBC = process.platform === 'linux' && Boolean(require('../dist/gc/internal.js').glibcVersion());
const skip = !GLIBC && 'glibc malloc arenas only exist on Linux with glibc';
const LOAD = path.join(require('node:os').tmpdir(), `ab-arena-load-${process.pid}.js`);
test.after(() => fs.rmSync(LOAD, { force: true }));

fs.writeFileSync(
  LOAD,
  `
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const fs = require('node:fs');
const { gc, status } = require(${JSON.stringify(ROOT)});
const file = __filename;
const data = crypto.randomBytes(512 * 1024);
let pending = 0;
const end = Date.now() + 1500;
function task(i) {
  pending++;
  const done = () => { pending--; if (Date.now() < end) task(i + 1); else if (pending === 0) report(); };
  switch (i % 4) {
    case 0: return zlib.gzip(data, (e, z) => zlib.gunzip(z, done));
    case 1: return crypto.scrypt('pw', 'salt', 32, { N: 8192, r: 8, p: 1 }, done);
    case 2: return crypto.pbkdf2('pw', 'salt', 5000, 32, 'sha256', done);
    default: return fs.readFile(file, done);
  }
}
function report() {
  const m = gc.memory();
  const s = status().gc;
  console.log(JSON.stringify({ arenas: m.arenas, heaps: m.arenaMappings.count, before: s.arenas && s.arenas.before, limit: s.arenas && s.arenas.limit, gcActive: s.active }));
}
for (let i = 0; i < 32; i++) task(i);
`,
);

function run(args, env) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: cleanEnv({ UV_THREADPOOL_SIZE: '8', AFTERBURNER_LOG: 'silent', ...env }), encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('without tuning, glibc creates more arenas than any profile allows (the control)', { skip }, () => {
  const r = run(['-e', `require(${JSON.stringify(LOAD)})`], {});
  // Every arena but the main one is a 64 MB heap in /proc/self/maps.
  assert.ok(r.heaps + 1 > 4, `expected more than 4 arenas under 8 busy threads, got ${r.heaps + 1}`);
});

test('through the launcher (MALLOC_ARENA_MAX at start): arenas stay <= the limit', { skip }, () => {
  const r = run([BIN, '--profile', 'balanced', LOAD], {});
  assert.ok(Number.isInteger(r.limit) && r.limit >= 1, `limit ${r.limit}`);
  assert.ok(r.heaps + 1 <= r.limit, `${r.heaps + 1} arenas in /proc/self/maps, limit ${r.limit}`);
  if (r.arenas !== null) assert.ok(r.arenas <= r.limit, `${r.arenas} arenas in malloc_info, limit ${r.limit}`);
});

test('register only (mallopt at run time): no arena is added beyond the limit or those that existed before', { skip: skip || (!NATIVE && 'native addon not built') }, () => {
  const r = run(['--require', REGISTER, LOAD], { AFTERBURNER_GC: 'balanced' });
  assert.equal(r.gcActive, true);
  assert.equal(typeof r.before, 'number');
  const cap = Math.max(r.limit, r.before);
  assert.ok(r.arenas <= cap, `${r.arenas} arenas (limit ${r.limit}, ${r.before} before install)`);
  assert.ok(r.heaps + 1 <= cap, `${r.heaps + 1} arena heaps in /proc/self/maps`);
});
