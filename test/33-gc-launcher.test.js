'use strict';
// The `afterburner` launcher: whatever it starts must behave as if started directly. Exit codes,
// signals (both ways) and stdio go through unchanged, in exec mode (process.execve, Node 22+) and
// in child mode (Node 20, or forced with AFTERBURNER_LAUNCHER_CHILD=1).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync, fork } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');

const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-launcher-'));
test.after(() => fs.rmSync(DIR, { recursive: true, force: true }));

function script(name, body) {
  const file = path.join(DIR, name);
  fs.writeFileSync(file, body);
  return file;
}

const EXIT7 = script('exit7.js', 'process.exit(7)');
const ECHO = script(
  'echo.js',
  `let data = ''; process.stdin.on('data', (d) => (data += d)); process.stdin.on('end', () => { process.stdout.write(data.toUpperCase()); process.stderr.write('on stderr\\n'); });`,
);
const TERM_HANDLER = script(
  'term.js',
  `process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\\n'); process.exit(42); }); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`,
);
const NO_HANDLER = script('nohandler.js', `process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`);
const SELF_KILL = script('selfkill.js', `process.kill(process.pid, 'SIGKILL');`);
const PID = script('pid.js', `console.log(JSON.stringify({ pid: process.pid, gc: require(${JSON.stringify(ROOT)}).status().gc.active }))`);

const hasExecve = typeof process.execve === 'function';
const MODES = [
  { name: hasExecve ? 'exec mode' : 'child mode (no process.execve on this Node)', env: {} },
  ...(hasExecve ? [{ name: 'child mode (forced)', env: { AFTERBURNER_LAUNCHER_CHILD: '1' } }] : []),
];

function launch(args, env, options = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv({ AFTERBURNER_LOG: 'silent', ...env }), encoding: 'utf8', timeout: 30000, ...options });
}

/** Starts the launcher, waits for the script's "ready", sends `signal` to the launcher's pid. */
function signalAfterReady(file, signal, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, file], { env: cleanEnv({ AFTERBURNER_LOG: 'silent', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; stdout ${out} stderr ${err}`));
    }, 20000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready\n') && !child.sentSignal) {
        child.sentSignal = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout: out, stderr: err });
    });
  });
}

for (const mode of MODES) {
  test(`${mode.name}: the exit code comes back`, () => {
    const r = launch([EXIT7], mode.env);
    assert.equal(r.status, 7, r.stderr);
  });

  test(`${mode.name}: stdin, stdout and stderr pass through`, () => {
    const r = launch([ECHO], mode.env, { input: 'hello through the launcher' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'HELLO THROUGH THE LAUNCHER');
    assert.equal(r.stderr, 'on stderr\n');
  });

  test(`${mode.name}: SIGTERM reaches the script and its exit status comes back`, async () => {
    const r = await signalAfterReady(TERM_HANDLER, 'SIGTERM', mode.env);
    assert.equal(r.stdout, 'ready\ngot SIGTERM\n', r.stderr);
    assert.equal(r.code, 42);
  });

  test(`${mode.name}: a script killed by a signal makes the launcher die of the same signal`, async () => {
    const r = await signalAfterReady(NO_HANDLER, 'SIGTERM', mode.env);
    assert.equal(r.signal, 'SIGTERM', `code ${r.code} ${r.stderr}`);
    const k = launch([SELF_KILL], mode.env);
    assert.equal(k.signal, 'SIGKILL', `status ${k.status} ${k.stderr}`);
  });

  test(`${mode.name}: "--" runs any command with the register in NODE_OPTIONS and forwards its exit code`, () => {
    const r = launch(['--profile', 'memory', '--', process.execPath, '-e', `const s = require(${JSON.stringify(ROOT)}).status(); console.log(JSON.stringify({ installed: s.installed, profile: s.gc.profile, opts: process.env.NODE_OPTIONS, arena: process.env.MALLOC_ARENA_MAX, planned: String(s.gc.applied.some((a) => a.setting === 'MALLOC_ARENA_MAX=' + process.env.MALLOC_ARENA_MAX) && require(${JSON.stringify(ROOT)}).gc.plan('memory').arenaMax) })); process.exitCode = 3`], mode.env);
    assert.equal(r.status, 3, r.stderr);
    const out = JSON.parse(r.stdout.trim());
    assert.equal(out.installed, true);
    assert.equal(out.profile, 'memory');
    assert.match(out.opts, /--require \S*register\.js/);
    assert.match(out.arena, /^\d+$/);
    assert.equal(out.planned, out.arena, "the memory profile's arena limit, reported as applied at start");
  });
}

test('exec mode keeps the pid (nothing in between to forward anything)', { skip: !hasExecve && 'process.execve is not in this Node' }, () => {
  const child = spawnSync(process.execPath, [BIN, PID], { env: cleanEnv({ AFTERBURNER_LOG: 'silent' }), encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout).gc, true);
  // spawnSync hides the pid, so compare with an async spawn.
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, PID], { env: cleanEnv({ AFTERBURNER_LOG: 'silent' }), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => {
      assert.equal(JSON.parse(out).pid, c.pid);
      resolve();
    });
  });
});

test('a launcher started with an IPC channel is never re-executed: the script runs in it and keeps the channel', async () => {
  const file = script('ipc.js', `process.send({ pid: process.pid, gc: require(${JSON.stringify(ROOT)}).status().gc.active }); process.disconnect();`);
  const child = fork(BIN, [file], { env: cleanEnv({ AFTERBURNER_LOG: 'silent' }), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const message = await new Promise((resolve, reject) => {
    child.on('message', resolve);
    child.on('exit', (code) => reject(new Error(`exited ${code} without a message: ${err}`)));
  });
  assert.deepEqual(message, { pid: child.pid, gc: true });
  assert.match(err, /started with an IPC channel: running the script in this process/);
});

test('unknown command: 127; bad usage: 2 with the usage text', () => {
  const missing = launch(['--', 'afterburner-no-such-command-xyz'], {});
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /command not found: afterburner-no-such-command-xyz/);
  const bad = launch(['--frobnicate', 'x.js'], {});
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --frobnicate[\s\S]*usage:/);
});
