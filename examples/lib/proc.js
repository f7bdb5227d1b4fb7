'use strict';
/**
 * Process metrics read from the outside, from /proc (Linux): what `ps`, `top` and
 * `pidstat -w` would show for the service, with nothing inside the service involved.
 */
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the value on every mainstream Linux build
    }
  }
  return ticksPerSecond;
}

function available() {
  return process.platform === 'linux' && fs.existsSync(`/proc/${process.pid}/stat`);
}

/** utime + stime of the whole process (all threads), in ms. */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks();
}

function statusFields(file) {
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Voluntary context switches summed over every thread: each one is the thread going to sleep,
 * i.e. one wake-up (timer, threadpool stat, epoll). /proc/<pid>/status alone counts only the main
 * thread, so the threadpool's polling stats would be missed.
 */
function wakeups(pid) {
  let voluntary = 0;
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      voluntary += Number(statusFields(`/proc/${pid}/task/${tid}/status`).voluntary_ctxt_switches) || 0;
      threads++;
    } catch {
      // A thread that exited between readdir and read.
    }
  }
  return { voluntary, threads };
}

/**
 * CPU time in ns summed over threads from /proc/<pid>/task/<tid>/schedstat: nanosecond resolution,
 * where utime/stime count 10 ms ticks (too coarse for an idle process over a few seconds).
 */
function cpuNs(pid) {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) || 0;
    } catch {}
  }
  return ns;
}

/** Peak and current resident set size, in bytes. */
function memory(pid) {
  const s = statusFields(`/proc/${pid}/status`);
  const kb = (v) => (v ? Number(v.split(/\s+/)[0]) * 1024 : NaN);
  return { peakRss: kb(s.VmHWM), rss: kb(s.VmRSS) };
}

function snapshot(pid) {
  return { at: performance.now(), cpuMs: cpuMs(pid), cpuNs: cpuNs(pid), ...wakeups(pid), ...memory(pid) };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

module.exports = { available, cpuMs, cpuNs, wakeups, memory, snapshot, alive, clockTicks };
