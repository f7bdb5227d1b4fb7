'use strict';
// Per Node version: status().gc says what the profile applied, what needs the start-time part
// (with the exact line), and what it left alone because that runtime's default already matches.
// The expectation comes from the runtime itself, measured independently of the code under test:
// with --max-old-space-size=1000, heap_size_limit is 1000 MB plus three semi-spaces.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, REGISTER, cleanEnv, nodeBinaries } = require('./helpers');

const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const PRINT = `console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().gc))`;

function run(node, args, env = {}) {
  const r = spawnSync(node, args, { cwd: ROOT, env: cleanEnv({ AFTERBURNER_LOG: 'silent', ...env }), encoding: 'utf8', timeout: 30000 });
  const last = r.stdout.trim().split('\n').pop();
  let json;
  try {
    json = JSON.parse(last);
  } catch {}
  return { ...r, json };
}

function defaultSemiSpaceMB(node) {
  const r = run(node, ['--max-old-space-size=1000', '-p', 'require("v8").getHeapStatistics().heap_size_limit']);
  return (Number(r.stdout.trim()) / 2 ** 20 - 1000) / 3;
}

const names = (list) => list.map((x) => x.setting);

for (const { major, node } of nodeBinaries()) {
  test(`Node ${major}: throughput profile decides against this runtime's young generation`, () => {
    const semi = defaultSemiSpaceMB(node);
    const { status, json, stderr } = run(node, ['--require', REGISTER, '-e', PRINT], { AFTERBURNER_GC: 'throughput' });
    assert.equal(status, 0, stderr);
    assert.equal(json.profile, 'throughput');
    assert.equal(json.runtime.maxSemiSpaceMB, semi, 'the register reads the same default the runtime reports');
    if (semi < 64) {
      const max = json.missing.find((m) => m.setting === '--max-semi-space-size=64');
      assert.ok(max, JSON.stringify(json.missing));
      assert.equal(max.line, 'NODE_OPTIONS="--max-semi-space-size=64"');
      const min = json.missing.find((m) => m.setting === '--min-semi-space-size=64');
      assert.ok(min, JSON.stringify(json.missing));
      assert.match(min.line, /^node --min-semi-space-size=64 <script> \(node's command line only/);
      assert.ok(!names(json.leftAlone).includes('--max-semi-space-size=64'));
    } else {
      assert.ok(names(json.leftAlone).includes('--max-semi-space-size=64'), JSON.stringify(json.leftAlone));
      assert.match(json.leftAlone.find((l) => l.setting === '--max-semi-space-size=64').because, /already >= the profile's 64 MB/);
      assert.ok(!json.missing.some((m) => /semi-space/.test(m.setting)), JSON.stringify(json.missing));
    }
    assert.ok(names(json.leftAlone).includes('--max-old-space-size'), 'a roomy machine needs no heap cap');
    assert.ok(json.applied.some((a) => a.setting === `MALLOC_ARENA_MAX=${json.arenas.limit}`), JSON.stringify(json.applied));
  });

  test(`Node ${major}: throughput through the launcher has its start-time settings applied`, () => {
    const semi = defaultSemiSpaceMB(node);
    const script = path.join(require('node:os').tmpdir(), `ab-status-${process.pid}.js`);
    fs.writeFileSync(script, PRINT);
    const { status, json, stderr } = run(node, [BIN, '--profile', 'throughput', script]);
    fs.rmSync(script, { force: true });
    assert.equal(status, 0, stderr);
    assert.deepEqual(json.missing, []);
    assert.ok(json.applied.some((a) => a.setting === `MALLOC_ARENA_MAX=${json.arenas.limit}` && /at start/.test(a.how)), JSON.stringify(json.applied));
    if (semi < 64) {
      assert.ok(json.applied.some((a) => a.setting === '--max-semi-space-size=64' && /command line/.test(a.how)), JSON.stringify(json.applied));
      assert.ok(json.applied.some((a) => a.setting === '--min-semi-space-size=64'), JSON.stringify(json.applied));
    } else {
      assert.ok(names(json.leftAlone).includes('--max-semi-space-size=64'), JSON.stringify(json.leftAlone));
    }
  });

  test(`Node ${major}: memory profile lowers a young generation above 32 MB, else applies --optimize-for-size at run time`, () => {
    const semi = defaultSemiSpaceMB(node);
    const { status, json, stderr } = run(node, ['--require', REGISTER, '-e', PRINT], { AFTERBURNER_GC: 'memory' });
    assert.equal(status, 0, stderr);
    const lowered = json.missing.find((m) => m.setting.startsWith('--max-semi-space-size='));
    if (semi > 32) {
      assert.ok(lowered, `default ${semi} MB semi-spaces must be lowered: ${JSON.stringify(json.missing)}`);
      assert.equal(lowered.setting, '--max-semi-space-size=32');
      assert.deepEqual(json.runtimeFlags, []);
      assert.ok(names(json.leftAlone).includes('--optimize-for-size'), JSON.stringify(json.leftAlone));
    } else {
      assert.ok(json.applied.some((a) => a.setting === '--optimize-for-size' && /run time/.test(a.how)), JSON.stringify(json.applied));
      assert.deepEqual(json.runtimeFlags, ['--optimize-for-size']);
      if (semi > 8) assert.equal(lowered?.setting, '--max-semi-space-size=8', JSON.stringify(json.missing));
      else assert.equal(lowered, undefined);
    }
    assert.equal(json.trim.enabled, json.applied.some((a) => a.setting.startsWith('malloc_trim')));
  });
}

test('balanced is the default and leaves alone what it does not need', () => {
  const { status, json, stderr } = run(process.execPath, ['--require', REGISTER, '-e', PRINT]);
  assert.equal(status, 0, stderr);
  assert.equal(json.profile, 'balanced');
  assert.ok(names(json.leftAlone).includes('--optimize-for-size'));
  for (const entry of json.leftAlone) assert.ok(entry.because.length > 10, `every left-alone setting says why: ${JSON.stringify(entry)}`);
  for (const entry of json.missing) assert.ok(entry.line.length > 0 && entry.reason.length > 0);
});

test('explicit flags are respected: a user-set young generation is kept and reported as such', () => {
  const { status, json, stderr } = run(process.execPath, ['--max-semi-space-size=24', '--require', REGISTER, '-e', PRINT], { AFTERBURNER_GC: 'memory' });
  assert.equal(status, 0, stderr);
  const kept = json.leftAlone.find((l) => l.setting.startsWith('--max-semi-space-size'));
  assert.ok(kept, JSON.stringify(json));
  assert.match(kept.because, /--max-semi-space-size=24 \(command line\) was set explicitly and is kept/);
});
