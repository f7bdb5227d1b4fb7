/**
 * The `afterburner` bin: starts node with a profile's start-time settings (V8 heap flags,
 * MALLOC_ARENA_MAX, the allocator AFTERBURNER_MALLOC names, preloaded) and the register preloaded,
 * which the register alone cannot do.
 *
 *   afterburner [--profile p] [--malloc a] <script> [args...]     node <flags> --require <register> <script> [args...]
 *   afterburner [--profile p] [--malloc a] -- <command> [args...] <command> with NODE_OPTIONS/MALLOC_ARENA_MAX/LD_PRELOAD set
 *   afterburner env [--profile p] [--malloc a] [--node <major>] [--memory <size>] [--cpus <n>]
 *
 * The launcher replaces itself with the target (process.execve: same pid, stdio and signals need
 * no forwarding) where node has it; otherwise a child with inherited stdio, every catchable signal
 * forwarded and its exit status (including death by signal) reproduced.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { preloadEnv, resolveAllocator, type AllocatorChoice } from './allocator';
import { memoryLimit, parseSize, type MemoryLimit } from './limits';
import { startLines, type StartLines } from './lines';
import { PROFILE_INTENT, PROFILES, makePlan, planFor, resolveProfile, type Plan, type Profile } from './profiles';
import { flagsInEffect, runningMajor, type YoungGeneration } from './runtime';

const ROOT = path.resolve(__dirname, '..', '..');
export const REGISTER = path.join(ROOT, 'register.js');

// Young-generation defaults measured on a large machine (>= 16 GB), only used to print lines for a
// Node major other than the running one; the running one is always read, never looked up.
const MEASURED_SEMI_SPACE_MB: Record<number, number> = { 20: 16, 22: 16, 24: 64, 26: 32 };

// Signals a parent can catch and must pass on. SIGTSTP/SIGTTIN/SIGTTOU are left to the terminal
// (job control stops both processes alike); SIGKILL/SIGSTOP cannot be caught.
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGPIPE', 'SIGALRM'];

export interface LaunchOptions {
  profile?: string;
  /** --malloc: glibc|system|jemalloc|mimalloc or a library path (else AFTERBURNER_MALLOC). */
  malloc?: string;
  mode: 'script' | 'command' | 'env' | 'help';
  rest: string[];
  node?: number;
  memory?: string;
  cpus?: number;
}

const USAGE = `usage:
  afterburner [--profile throughput|balanced|memory|off] [--malloc glibc|jemalloc|mimalloc] <script> [args...]
  afterburner [--profile p] [--malloc a] -- <command> [args...]
  afterburner env [--profile p] [--malloc a] [--node <major>] [--memory <size, e.g. 512m>] [--cpus <n>]
The profile defaults to AFTERBURNER_GC, else balanced; the allocator to AFTERBURNER_MALLOC, else glibc
(jemalloc and mimalloc are preloaded from the system's packages: libjemalloc2, libmimalloc2.0).`;

export function parseArgs(argv: readonly string[]): LaunchOptions {
  const out: LaunchOptions = { mode: 'help', rest: [] };
  let i = 0;
  let sub = false;
  if (argv[0] === 'env') {
    out.mode = 'env';
    sub = true;
    i = 1;
  }
  for (; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string): string => {
      if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (a === '--profile' || a.startsWith('--profile=')) out.profile = value('--profile');
    else if (a === '--malloc' || a.startsWith('--malloc=')) out.malloc = value('--malloc');
    else if (sub && (a === '--node' || a.startsWith('--node='))) {
      const major = Number(value('--node'));
      if (!Number.isInteger(major) || major < 20) throw new Error(`--node expects a Node major version (20, 22, 24, 26), got ${JSON.stringify(argv[i])}`);
      out.node = major;
    } else if (sub && (a === '--memory' || a.startsWith('--memory='))) out.memory = value('--memory');
    else if (sub && (a === '--cpus' || a.startsWith('--cpus='))) {
      const text = value('--cpus');
      const cpus = Number(text);
      if (!Number.isInteger(cpus) || cpus < 1 || cpus > 4096) throw new Error(`--cpus expects the target's CPU count (1 to 4096), got ${JSON.stringify(text)}`);
      out.cpus = cpus;
    }
    else if (a === '-h' || a === '--help') return { ...out, mode: 'help' };
    else if (sub) throw new Error(`unknown option ${a} for "afterburner env"`);
    else if (a === '--') {
      out.mode = 'command';
      out.rest = argv.slice(i + 1);
      if (!out.rest.length) throw new Error('nothing to run after --');
      return out;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a} (node flags go after --, e.g. afterburner -- node ${a} app.js)`);
    else {
      out.mode = 'script';
      out.rest = argv.slice(i);
      return out;
    }
  }
  return out;
}

interface Resolved {
  enabled: boolean;
  profile: Profile;
  malloc: AllocatorChoice;
  warnings: string[];
}

function resolve(options: LaunchOptions, env: NodeJS.ProcessEnv): Resolved {
  const r = resolveProfile(env, options.profile);
  const malloc = resolveAllocator(env, options.malloc);
  return { enabled: r.enabled, profile: r.profile, malloc, warnings: [...r.warnings, ...malloc.warnings] };
}

/** The plan for a target major: read from this runtime when it is the one running, else from measured defaults. */
export function planForTarget(profile: Profile, major: number, env: NodeJS.ProcessEnv, memory?: MemoryLimit, cpus?: number, allocator = 'glibc'): Plan {
  const flags = flagsInEffect([], env.NODE_OPTIONS);
  const mem = memory ?? memoryLimit({ env });
  if (major === runningMajor()) return planFor(profile, { env, flags, memory: mem, cpus, allocator });
  const own = planFor(profile, { env, flags, memory: mem, cpus, allocator });
  const semi = MEASURED_SEMI_SPACE_MB[major] ?? MEASURED_SEMI_SPACE_MB[26];
  const young: YoungGeneration = {
    maxSemiSpaceMB: semi,
    source: `Node ${major}'s default measured on a large machine (not the running version)`,
    heapSizeLimitMB: own.young.oldSpaceMB + 3 * semi,
    oldSpaceMB: own.young.oldSpaceMB,
  };
  return makePlan({ profile, memory: mem, young, flags, cpus: own.cpus, major, threads: own.threads, allocator });
}

function registerSpecifier(cwd: string): string {
  try {
    if (require.resolve('afterburner/register', { paths: [cwd] }) === REGISTER) return 'afterburner/register';
  } catch {
    // Not installed where the command runs: use the path.
  }
  return /\s/.test(REGISTER) ? JSON.stringify(REGISTER) : REGISTER;
}

/** `afterburner env` output: lines the target version accepts, and comments for the rest. */
export function envLines(options: { profile: Profile; enabled: boolean; major?: number; memory?: string; cpus?: number; env?: NodeJS.ProcessEnv; cwd?: string; malloc?: string }): string[] {
  const env = options.env ?? process.env;
  const major = options.major ?? runningMajor();
  const register = registerSpecifier(options.cwd ?? process.cwd());
  const malloc = resolveAllocator(env, options.malloc);
  const mallocLines = allocatorLines(malloc, env);
  if (!options.enabled) return ['# afterburner gc profile: off (no gc settings)', `NODE_OPTIONS="--require ${register}"`, 'AFTERBURNER_GC=off', ...mallocLines];
  let memory: MemoryLimit | undefined;
  if (options.memory !== undefined) {
    const bytes = parseSize(options.memory);
    if (bytes === undefined) throw new Error(`--memory expects a size of at least 16 MB such as 512m or 2g, got ${JSON.stringify(options.memory)}`);
    memory = { bytes, source: `--memory ${options.memory}` };
  }
  const plan = planForTarget(options.profile, major, env, memory, options.cpus, malloc.allocator);
  const lines = startLines(plan, major);
  const out: string[] = [];
  out.push(`# afterburner gc profile "${plan.profile}" for Node ${major}: ${PROFILE_INTENT[plan.profile]}`);
  out.push(`# sized for ${Math.round(plan.memory.bytes / 2 ** 20)} MB available (${plan.memory.source}; size for the target with --memory) and ${plan.cpus} CPUs (${options.cpus !== undefined ? '--cpus' : 'this machine; size for the target with --cpus'})`);
  for (const s of plan.settings) {
    if (s.decision === 'set') out.push(`#   ${s.text}: ${s.reason}`);
    else out.push(`#   ${s.text} left alone: ${s.because}`);
  }
  out.push(`NODE_OPTIONS="${['--require', register, ...lines.nodeOptions].join(' ')}"`);
  for (const [k, v] of Object.entries(lines.env)) out.push(`${k}=${v}`);
  out.push(`AFTERBURNER_GC=${plan.profile}`);
  out.push(...mallocLines);
  if (lines.nodeArgs.length) {
    out.push(`# node's command line only (NODE_OPTIONS refuses them on Node ${major}); add them to the node command:`);
    out.push(`#   node ${lines.nodeArgs.join(' ')} <script>   (or start with: npx afterburner --profile ${plan.profile} <script>)`);
  }
  return out;
}

/** `afterburner env`'s allocator lines: LD_PRELOAD for jemalloc/mimalloc, or why there is none. */
function allocatorLines(malloc: AllocatorChoice, env: NodeJS.ProcessEnv): string[] {
  if (malloc.warnings.length) return malloc.warnings.map((w) => `# malloc: ${w}`);
  if (!malloc.library) return [];
  const preload = preloadEnv(malloc, env);
  const lines = preload.notes.map((n) => `# malloc: ${n}`);
  if (!preload.env.LD_PRELOAD) return lines;
  lines.push(`# malloc: ${malloc.allocator} (${malloc.source}), preloaded from ${malloc.library}; the image needs the same package at the same path`);
  for (const [k, v] of Object.entries(preload.env)) lines.push(`${k}=${v}`);
  return lines;
}

/** The exact command and environment the launcher would start. Exported for tests. */
export function buildLaunch(options: LaunchOptions, env: NodeJS.ProcessEnv = process.env): { file: string; args: string[]; env: NodeJS.ProcessEnv; notes: string[]; warnings: string[]; malloc: AllocatorChoice } {
  const r = resolve(options, env);
  const childEnv: NodeJS.ProcessEnv = { ...env, AFTERBURNER_GC: r.enabled ? r.profile : 'off' };
  const notes: string[] = [];
  const preload = preloadEnv(r.malloc, env);
  Object.assign(childEnv, preload.env);
  notes.push(...preload.notes);
  let lines: StartLines = { nodeOptions: [], nodeArgs: [], env: {} };
  if (r.enabled) lines = startLines(planForTarget(r.profile, runningMajor(), env, undefined, undefined, r.malloc.allocator));
  for (const [k, v] of Object.entries(lines.env)) {
    if (env[k] === undefined || env[k] === '') childEnv[k] = v;
    else notes.push(`${k}=${env[k]} from the environment kept (the profile would set ${v})`);
  }
  if (options.mode === 'script') {
    const args = [...lines.nodeOptions, ...lines.nodeArgs, '--require', REGISTER, ...options.rest];
    return { file: process.execPath, args, env: childEnv, notes, warnings: r.warnings, malloc: r.malloc };
  }
  const extra = ['--require', /\s/.test(REGISTER) ? JSON.stringify(REGISTER) : REGISTER, ...lines.nodeOptions];
  childEnv.NODE_OPTIONS = [env.NODE_OPTIONS ?? '', ...extra].join(' ').trim();
  if (lines.nodeArgs.length) notes.push(`${lines.nodeArgs.join(' ')} not applied: node accepts it on its command line only, and "--" runs an arbitrary command (use "afterburner <script>" for it)`);
  return { file: options.rest[0], args: options.rest.slice(1), env: childEnv, notes, warnings: r.warnings, malloc: r.malloc };
}

function which(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (command.includes('/')) return command;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function hasIpcChannel(): boolean {
  return Boolean((process as { channel?: unknown }).channel) || process.env.NODE_CHANNEL_FD !== undefined;
}

function signalNumber(signal: NodeJS.Signals): number {
  return (os.constants.signals as Record<string, number>)[signal] ?? 0;
}

/** Child mode: inherit stdio, forward signals, reproduce the exit status. */
function runChild(file: string, args: string[], env: NodeJS.ProcessEnv, relayIpc: boolean): void {
  // Loaded here, not at the top: exec mode never needs it, and it is the launcher's costliest module (~2.5 ms).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  let child: ChildProcess;
  try {
    child = spawn(file, args, { stdio: relayIpc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit', env });
  } catch (err) {
    process.stderr.write(`afterburner: cannot start ${file}: ${(err as Error).message}\n`);
    process.exit(127);
  }
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    const handler = (): void => {
      try {
        child.kill(signal);
      } catch {
        // The child is already gone; its exit event settles our status.
      }
    };
    try {
      process.on(signal, handler);
      handlers.set(signal, handler);
    } catch {
      // Not available on this platform.
    }
  }
  if (relayIpc && process.send) {
    child.on('message', (m) => process.send?.(m as never));
    process.on('message', (m) => child.send?.(m as never));
    process.on('disconnect', () => child.connected && child.disconnect());
  }
  child.on('error', (err) => {
    process.stderr.write(`afterburner: cannot start ${file}: ${err.message}\n`);
    process.exit((err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126);
  });
  child.on('exit', (code, signal) => {
    for (const [s, h] of handlers) process.removeListener(s, h);
    if (signal) {
      // Die of the same signal so our parent sees exactly what the child did.
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + signalNumber(signal)), 200).unref();
      return;
    }
    process.exit(code ?? 1);
  });
}

function flushCompileCache(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:module') as { flushCompileCache?: () => void }).flushCompileCache?.();
  } catch {
    // Only the next start's compile time is at stake.
  }
}

export function main(argv: readonly string[] = process.argv.slice(2)): void {
  let options: LaunchOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`afterburner: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.mode === 'help') {
    process.stdout.write(`${USAGE}\nprofiles:\n${PROFILES.map((p) => `  ${p}: ${PROFILE_INTENT[p]}`).join('\n')}\n`);
    return;
  }
  if (options.mode === 'env') {
    const r = resolve(options, process.env);
    for (const w of r.warnings) process.stderr.write(`afterburner warning: ${w}\n`);
    try {
      process.stdout.write(envLines({ profile: r.profile, enabled: r.enabled, major: options.node, memory: options.memory, cpus: options.cpus, malloc: options.malloc }).join('\n') + '\n');
    } catch (err) {
      process.stderr.write(`afterburner: ${(err as Error).message}\n`);
      process.exit(2);
    }
    return;
  }
  const launch = buildLaunch(options);
  for (const w of launch.warnings) process.stderr.write(`afterburner warning: ${w}\n`);
  for (const n of launch.notes) process.stderr.write(`afterburner: ${n}\n`);
  if (hasIpcChannel()) {
    // Re-executing would drop the IPC channel the parent (fork, cluster, PM2) talks through.
    if (options.mode === 'script') {
      process.stderr.write('afterburner: started with an IPC channel: running the script in this process (run-time settings only)\n');
      if (launch.malloc.library) process.stderr.write(`afterburner warning: ${launch.malloc.source} not applied: an allocator can only be preloaded into a new process (start the service with LD_PRELOAD=${launch.malloc.library})\n`);
      process.env.AFTERBURNER_GC = launch.env.AFTERBURNER_GC;
      require(REGISTER);
      process.argv = [process.execPath, path.resolve(options.rest[0]), ...options.rest.slice(1)];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('node:module') as { runMain(main?: string): void }).runMain();
      return;
    }
    runChild(launch.file, launch.args, launch.env, true);
    return;
  }
  const file = which(launch.file, launch.env);
  if (!file) {
    process.stderr.write(`afterburner: command not found: ${launch.file}\n`);
    process.exit(127);
  }
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve === 'function' && process.env.AFTERBURNER_LAUNCHER_CHILD !== '1') {
    // execve skips node's exit hooks, so the compile cache the bin enabled is written now or never.
    flushCompileCache();
    try {
      execve.call(process, file, [launch.file, ...launch.args], launch.env);
    } catch (err) {
      process.stderr.write(`afterburner: exec failed (${(err as Error).message}); starting a child instead\n`);
    }
  }
  runChild(file, launch.args, launch.env, false);
}
