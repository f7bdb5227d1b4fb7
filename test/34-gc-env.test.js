'use strict';
// `afterburner env`: the lines it prints must be accepted by the target Node version in
// NODE_OPTIONS, and what it prints as "command line only" must really be refused there.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, cleanEnv, nodeBinaries } = require('./helpers');
// The public gc namespace plus what it is built from (not public API): these tests check both.
const gc = require('../dist/gc/internal.js');

const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const PRINT = `console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().gc))`;

function envOutput(args) {
  const r = spawnSync(process.execPath, [BIN, 'env', ...args], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const vars = {};
  const commandLineOnly = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
    const c = /^#\s+node (.+?) <script>/.exec(line);
    if (c) commandLineOnly.push(...c[1].split(' '));
  }
  return { text: r.stdout, vars, commandLineOnly };
}

for (const { major, node } of nodeBinaries()) {
  for (const profile of ['throughput', 'balanced', 'memory']) {
    test(`Node ${major}: "env --profile ${profile} --node ${major}" lines are accepted in NODE_OPTIONS and take effect`, () => {
      const { vars, text } = envOutput(['--profile', profile, '--node', String(major)]);
      assert.ok(vars.NODE_OPTIONS, text);
      assert.equal(vars.AFTERBURNER_GC, profile);
      const r = spawnSync(node, ['-e', PRINT], { cwd: ROOT, env: cleanEnv({ ...vars, AFTERBURNER_LOG: 'info' }), encoding: 'utf8' });
      assert.equal(r.status, 0, `node ${major} refused: ${r.stderr}`);
      assert.equal(r.stderr, '', 'no warning from node or afterburner');
      const status = JSON.parse(r.stdout.trim().split('\n').pop());
      assert.equal(status.profile, profile);
      for (const flag of vars.NODE_OPTIONS.split(' ').filter((f) => f.startsWith('--') && f.includes('='))) {
        const applied = status.applied.find((a) => a.setting === flag);
        const kept = status.leftAlone.find((l) => l.setting.startsWith(flag.split('=')[0]));
        assert.ok(applied || kept, `${flag} from NODE_OPTIONS is reported: ${JSON.stringify(status)}`);
        if (applied) assert.match(applied.how, /NODE_OPTIONS/);
      }
      if (vars.MALLOC_ARENA_MAX) assert.ok(status.applied.some((a) => a.setting === `MALLOC_ARENA_MAX=${vars.MALLOC_ARENA_MAX}` && /at start/.test(a.how)), JSON.stringify(status.applied));
    });
  }

  test(`Node ${major}: flags printed as "command line only" are refused in NODE_OPTIONS and accepted as node args`, () => {
    const { commandLineOnly, text } = envOutput(['--profile', 'throughput', '--node', String(major)]);
    for (const flag of commandLineOnly) {
      const inOptions = spawnSync(node, ['-e', '0'], { env: cleanEnv({ NODE_OPTIONS: flag }), encoding: 'utf8' });
      assert.notEqual(inOptions.status, 0, `${flag} was printed as command-line only but NODE_OPTIONS accepted it:\n${text}`);
      assert.match(inOptions.stderr, /not allowed in NODE_OPTIONS/);
      const asArg = spawnSync(node, [flag, '-e', '0'], { env: cleanEnv(), encoding: 'utf8' });
      assert.equal(asArg.status, 0, asArg.stderr);
    }
  });

  test(`Node ${major}: the NODE_OPTIONS table used for other versions matches what this binary allows`, () => {
    const r = spawnSync(node, ['-p', 'JSON.stringify([...process.allowedNodeEnvironmentFlags])'], { encoding: 'utf8' });
    const allowed = new Set(JSON.parse(r.stdout));
    const table = gc.NODE_OPTIONS_ACCEPTS[major];
    assert.ok(table, `no table entry for Node ${major}`);
    for (const flag of table) assert.ok(allowed.has(flag), `${flag} is in the table for ${major} but not allowed`);
    for (const flag of ['--min-semi-space-size', '--single-threaded-gc', '--optimize-for-size']) assert.ok(!allowed.has(flag) && !table.includes(flag), flag);
  });
}

test('env on the running version (no --node) and with a target memory size', () => {
  const { vars, text } = envOutput(['--profile', 'balanced', '--memory', '512m']);
  assert.match(text, /sized for 512 MB available \(--memory 512m/);
  assert.match(vars.NODE_OPTIONS, /--max-old-space-size=\d+/, 'a 512 MB target gets a heap cap');
  const r = spawnSync(process.execPath, ['-e', '0'], { env: cleanEnv(vars), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const bad = spawnSync(process.execPath, [BIN, 'env', '--memory', 'huge'], { env: cleanEnv(), encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--memory expects a size/);
  const off = envOutput(['--profile', 'off']);
  assert.equal(off.vars.AFTERBURNER_GC, 'off');
});
