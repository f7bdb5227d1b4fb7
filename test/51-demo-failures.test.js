'use strict';
// How `npm start` fails: clearly, with a non-zero status, and without leaving a process behind.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { ROOT, cleanEnv, runNodeAsync } = require('./helpers');

// The first service of the default run.
const SERVICE = path.join(ROOT, 'examples', 'service', 'fastify.js');
const DEMO = path.join(ROOT, 'examples', 'run-demo.js');

function runDemo(args, timeout = 90000) {
  return runNodeAsync([DEMO, ...args], { timeout });
}

test('a port in use is reported clearly and the run exits non-zero without hanging', async (t) => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const { port } = blocker.address();
  const run = await runDemo(['--port', String(port), '--duration', '1', '--quiet-period', '1', '--no-write'], 40000);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use \\(EADDRINUSE\\)`));
});

test('bad arguments exit with status 2 and the usage', async () => {
  const run = await runDemo(['--duration', 'soon']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--duration expects a number/);
  assert.match(run.stderr, /Usage: npm start/);
});

function childrenOf(pid) {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}

function descendants(pid) {
  const out = [];
  for (const kid of childrenOf(pid)) out.push(kid, ...descendants(kid));
  return out;
}

function running(pid) {
  try {
    return !/^\S+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const cmdline = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

/** Starts a long demo run and resolves once the plain service is under load. */
async function demoUnderLoad(t) {
  const child = spawn(process.execPath, [DEMO, '--duration', '20', '--rounds', '1', '--warmup', '0', '--quiet-period', '1', '--no-write'], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const run = { child, stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (run.stdout += d));
  run.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      run.stderr += d;
      if (/plain node: load/.test(run.stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`demo ended before the load: ${run.stdout}${run.stderr}`)));
  });
  // Wait for the load generator to start (on a busy machine it can take a while), so that it is
  // among the processes to clean up.
  const deadline = Date.now() + 10000;
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    run.processes = descendants(child.pid);
  } while (!run.processes.some((pid) => cmdline(pid).some((arg) => arg.endsWith('load.js'))) && Date.now() < deadline);
  return run;
}

test('a service that dies during the load is reported with its exit signal, the run exits 1 and leaves no process behind', async (t) => {
  const run = await demoUnderLoad(t);
  const plain = run.processes.find((pid) => cmdline(pid)[1] === SERVICE);
  assert.ok(plain, `plain service among ${run.processes.map((p) => cmdline(p).join(' ')).join(' | ')}`);
  process.kill(plain, 'SIGKILL');
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.match(run.stderr, /plain node: the service exited unexpectedly \(signal SIGKILL\)/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const pid of run.processes) assert.ok(!running(pid), `${cmdline(pid).join(' ')} (pid ${pid}) still running`);
});

test('Ctrl-C during the run stops the services and the load generator', async (t) => {
  const run = await demoUnderLoad(t);
  assert.ok(run.processes.length >= 3, 'two services and a load generator');
  run.child.kill('SIGINT');
  const { code } = await run.exited;
  assert.equal(code, 130);
  assert.match(run.stderr, /interrupted by SIGINT/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const pid of run.processes) assert.ok(!running(pid), `${cmdline(pid).join(' ')} (pid ${pid}) still running`);
});
