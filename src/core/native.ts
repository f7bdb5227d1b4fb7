/**
 * The one place that loads the compiled addon. The addon is optional: if it is missing, built for
 * another ABI, or disabled, `loadNative()` returns null, `nativeStatus()` says why, and callers
 * fall back to pure JavaScript. A single warning is printed per process (by the registry).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NATIVE_FUNCTIONS, NATIVE_INTERFACE, tapeLayoutDifferences, type BuildInfo, type NativeBinding } from './binding';
import { errorMessage } from './errors';

export { NATIVE_INTERFACE, type NativeBinding } from './binding';

export interface NativeStatus {
  loaded: boolean;
  error?: string;
  /** Absolute path of the loaded build. */
  path?: string;
  /** Which build and why it was chosen. */
  build?: string;
  simdjson?: string;
  implementation?: string;
  /** Builds that exist here but failed to load before the one that did (each with its reason). */
  skipped?: string[];
  /** Stage 1 of json.validate/json.get: 'avx512' or 'avx2' (the addon's own, escapes checked on the way), or 'simdjson'. */
  jsonIndex?: string;
  /** The processor level of the addon's own kernels: 'avx512', 'avx2' or 'scalar' (AFTERBURNER_JSON_WIDE lowers it). */
  cpu?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

let state: { binding: NativeBinding | null; status: NativeStatus } | undefined;

/**
 * The C library of this process, without spawning anything: the dynamic loader named in the
 * running node binary (PT_INTERP: ld-musl-*.so.1 or ld-linux-*.so.*), read from its first page;
 * else this process's memory map. Undefined off Linux.
 */
export function detectLibc(): 'glibc' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  const libc = libcOfExecutable(process.execPath);
  if (libc) return libc;
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'latin1');
    if (/\/ld-musl-[^/\s]*\.so|\/libc\.musl-/.test(maps)) return 'musl';
  } catch {
    // /proc not mounted: glibc is by far the likelier.
  }
  return 'glibc';
}

/** Which C library's dynamic loader an executable names; undefined for a static or unreadable one. */
export function libcOfExecutable(file: string): 'glibc' | 'musl' | undefined {
  const loader = elfInterpreter(file);
  if (!loader) return undefined;
  return /ld-musl-/.test(loader) ? 'musl' : 'glibc';
}

/** The PT_INTERP path of a 64-bit little-endian ELF executable, or undefined (static, unreadable). */
function elfInterpreter(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      if (o + 56 > n) return undefined;
      if (head.readUInt32LE(o) !== 3) continue; // PT_INTERP
      const size = Math.min(Number(head.readBigUInt64LE(o + 32)), 256);
      const name = Buffer.alloc(size);
      fs.readSync(fd, name, 0, size, Number(head.readBigUInt64LE(o + 8)));
      return name.toString('latin1').replace(/\0[\s\S]*$/, '');
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The prebuilt binary's name for this process: e.g. linux-x64-gnu, linux-arm64-musl, darwin-arm64. */
export function prebuiltTarget(): string {
  const libc = detectLibc();
  const suffix = libc === 'musl' ? '-musl' : libc === 'glibc' ? '-gnu' : '';
  return `${process.platform}-${process.arch}${suffix}`;
}

/** Targets shipped in prebuilds/ (scripts/prebuild.js builds them at npm pack). */
export const PREBUILT_TARGETS = ['linux-x64-gnu', 'linux-arm64-gnu'];

const BUILD_FROM_SOURCE = 'build it from source with "node node_modules/afterburner/scripts/prebuild.js --host" (a C++17 compiler and Node\'s headers), or in a clone with "npm run build:native"';

// A local build comes first: it exists only where someone built from source on purpose (a developer
// in a clone, a user on a platform with no prebuilt binary), and it is then the newer code. Installed
// from the registry there is no build/, and the prebuilt binary for this platform is loaded.
function* candidates(): Generator<{ file: string; build: string }> {
  const override = process.env.AFTERBURNER_NATIVE_PATH;
  if (override) {
    yield { file: path.resolve(override), build: 'AFTERBURNER_NATIVE_PATH' };
    return;
  }
  const major = process.versions.node.split('.')[0];
  // Per-major builds exist only if a hot loop ever needs V8's own API; Node-API builds load everywhere.
  yield { file: path.join(ROOT, 'build', `node-${major}`, 'Release', 'afterburner.node'), build: `per-major build for Node ${major}` };
  yield { file: path.join(ROOT, 'build', 'Release', 'afterburner.node'), build: 'local Node-API build (build/Release; loads on every supported Node version)' };
  yield { file: path.join(ROOT, 'build', 'Debug', 'afterburner.node'), build: 'local Node-API debug build' };
  const target = prebuiltTarget();
  yield { file: path.join(ROOT, 'prebuilds', target, 'afterburner.node'), build: `prebuilt ${target}` };
}

function tryLoad(): { binding: NativeBinding | null; status: NativeStatus } {
  const switchValue = (process.env.AFTERBURNER_NATIVE ?? '').trim().toLowerCase();
  if (switchValue === '0' || switchValue === 'off' || switchValue === 'false') {
    return { binding: null, status: { loaded: false, error: `disabled by AFTERBURNER_NATIVE=${process.env.AFTERBURNER_NATIVE}` } };
  }
  const errors: string[] = [];
  for (const candidate of candidates()) {
    let binding: NativeBinding;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      binding = require(candidate.file) as NativeBinding;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      errors.push(code === 'MODULE_NOT_FOUND' ? `not found: ${candidate.file}` : `${candidate.file}: ${errorMessage(err).split('\n')[0]}`);
      continue;
    }
    if (binding.interfaceVersion !== NATIVE_INTERFACE) {
      errors.push(`${candidate.file}: stale build (interface ${String(binding.interfaceVersion)}, expected ${NATIVE_INTERFACE}); run "npm run build:native"`);
      continue;
    }
    const missing = NATIVE_FUNCTIONS.filter((name) => typeof binding[name] !== 'function');
    if (missing.length > 0) {
      errors.push(`${candidate.file}: incomplete build (no ${missing.join(', ')}); run "npm run build:native"`);
      continue;
    }
    const drift = tapeLayoutDifferences(binding.jsonTapeLayout);
    if (drift.length > 0) {
      errors.push(`${candidate.file}: its json tape layout differs from src/core/binding.ts (${drift.join('; ')}); rebuild it from this checkout`);
      continue;
    }
    let info: BuildInfo;
    try {
      info = binding.buildInfo();
    } catch (err) {
      errors.push(`${candidate.file}: buildInfo() failed: ${errorMessage(err)}`);
      continue;
    }
    const skipped = errors.filter((e) => !e.startsWith('not found: '));
    return {
      binding,
      status: {
        loaded: true,
        path: candidate.file,
        build: candidate.build,
        simdjson: info.simdjson,
        implementation: info.implementation,
        jsonIndex: info.jsonIndex,
        cpu: info.cpu,
        ...(skipped.length ? { skipped } : {}),
      },
    };
  }
  if (process.env.AFTERBURNER_NATIVE_PATH) {
    return { binding: null, status: { loaded: false, error: `native addon unavailable: ${errors.join('; ')}` } };
  }
  // Only the candidates that exist and failed are worth reading; "not found" for every build path
  // buries the one line that matters: whether this platform has a prebuilt binary at all.
  const failures = errors.filter((e) => !e.startsWith('not found: '));
  const target = prebuiltTarget();
  const why = PREBUILT_TARGETS.includes(target)
    ? `the prebuilt binary for ${target} is missing from this copy of the package (${path.join(ROOT, 'prebuilds', target)}); ${BUILD_FROM_SOURCE}`
    : `no prebuilt binary for ${target} (prebuilt: ${PREBUILT_TARGETS.join(', ')}); ${BUILD_FROM_SOURCE}`;
  const detail = failures.length ? `${failures.join('; ')}; ` : '';
  return { binding: null, status: { loaded: false, error: `native addon unavailable: ${detail}${why}` } };
}

/** The addon, or null. Loads at most once per thread. */
export function loadNative(): NativeBinding | null {
  state ??= tryLoad();
  return state.binding;
}

export function nativeStatus(): NativeStatus {
  state ??= tryLoad();
  return { ...state.status };
}

/** True once a load was attempted (status() must not force a load of a never-needed addon). */
export function nativeAttempted(): boolean {
  return state !== undefined;
}
