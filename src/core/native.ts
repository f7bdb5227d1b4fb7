/**
 * The one place that loads the compiled addon. The addon is optional: if it is missing, built for
 * another ABI, or disabled, `loadNative()` returns null, `nativeStatus()` says why, and callers
 * fall back to pure JavaScript. A single warning is printed per process (by the registry).
 */
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
  /** Stage 1 of json.validate/json.get: 'avx512' or 'avx2' (the addon's own, escapes checked on the way), or 'simdjson'. */
  jsonIndex?: string;
  /** The processor level of the addon's own kernels: 'avx512', 'avx2' or 'scalar' (AFTERBURNER_JSON_WIDE lowers it). */
  cpu?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

let state: { binding: NativeBinding | null; status: NativeStatus } | undefined;

function candidates(): { file: string; build: string }[] {
  const override = process.env.AFTERBURNER_NATIVE_PATH;
  if (override) return [{ file: path.resolve(override), build: 'AFTERBURNER_NATIVE_PATH' }];
  const major = process.versions.node.split('.')[0];
  return [
    // Per-major builds exist only if a hot loop ever needs V8's own API; Node-API builds load everywhere.
    { file: path.join(ROOT, 'build', `node-${major}`, 'Release', 'afterburner.node'), build: `per-major build for Node ${major}` },
    { file: path.join(ROOT, 'build', 'Release', 'afterburner.node'), build: 'Node-API build (loads on every supported Node version)' },
    { file: path.join(ROOT, 'build', 'Debug', 'afterburner.node'), build: 'Node-API debug build' },
  ];
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
    return {
      binding,
      status: { loaded: true, path: candidate.file, build: candidate.build, simdjson: info.simdjson, implementation: info.implementation, jsonIndex: info.jsonIndex, cpu: info.cpu },
    };
  }
  const hint = process.env.AFTERBURNER_NATIVE_PATH ? '' : ' (build it with "npm run build:native"; it needs python3, make and a C++17 compiler)';
  return { binding: null, status: { loaded: false, error: `native addon unavailable${hint}: ${errors.join('; ')}` } };
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
