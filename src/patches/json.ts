/**
 * The json patch: `JSON.parse` becomes a router that sends a call to the native parser only where
 * the benchmark measured it faster on the running V8, and to the original builtin everywhere else.
 *
 * The decision costs one length compare for small payloads; above the length threshold it samples
 * 32 characters (a few ns): documents that are mostly digits (coordinates, metrics, vectors) are
 * where the native path wins, and any non-ASCII sample sends the call to the builtin (a two-byte
 * string costs more to transcode than the native parse saves). Results are identical either way:
 * the native side declines anything it cannot reproduce exactly, and the builtin then answers.
 */
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { builtinParse } from '../json/builtin';
import { FALLBACK, jsonNative, nativeParse } from '../json/tape';

export interface JsonRoute {
  /** Strings shorter than this always go to the builtin. */
  minLength: number;
  /** Share of digits among 32 sampled characters needed for the native path (0..1). */
  minDigitShare: number;
}

/**
 * Measured per V8 major (benchmarks/json and the notes in benchmarks/README.md, 2-core machine,
 * 2026-11-25). From a string, the native path wins where numbers dominate (simdjson's number
 * parsing against V8's); string-heavy documents lose (V8 must transcode the string to UTF-8 first,
 * and string creation dominates). V8 11/12 (Node 20/22) parse numbers about half as fast as
 * V8 13/14 (Node 24/26), so there the native path also wins at a lower digit share
 * (twitterescaped.json, API payloads of 20 KB and up: 1.2-1.5x on Node 20/22, 0.9-1.2x on 24/26).
 * null: no route measured faster on that runtime, everything stays on the builtin.
 */
export const ROUTES: Readonly<Record<string, JsonRoute | null>> = {
  '11': { minLength: 16 * 1024, minDigitShare: 0.15 }, // Node 20
  '12': { minLength: 16 * 1024, minDigitShare: 0.15 }, // Node 22
  '13': { minLength: 32 * 1024, minDigitShare: 0.25 }, // Node 24
  '14': { minLength: 32 * 1024, minDigitShare: 0.25 }, // Node 26
};

const SAMPLES = 32;

export function v8Major(): string {
  return process.versions.v8.split('.')[0];
}

/** The route for this runtime (or a given V8 major), or null when every call stays on the builtin. */
export function routeFor(major: string = v8Major()): JsonRoute | null {
  return Object.prototype.hasOwnProperty.call(ROUTES, major) ? ROUTES[major] : null;
}

export type RouteMode = 'auto' | 'native' | 'builtin';
const ROUTE_MODES: readonly RouteMode[] = ['auto', 'native', 'builtin'];

let mode: RouteMode = 'auto';
let original: typeof JSON.parse | undefined;
let installed: typeof JSON.parse | undefined;
let route: JsonRoute | null = null;
let minLength = Infinity;
let minDigits = SAMPLES + 1;
let forceNative = false;
let nativeCalls = 0;
let builtinCalls = 0;
let fallbacks = 0;

/** Whether a string above the length threshold looks like the documents the native path wins on. */
function worthNative(text: string): boolean {
  if (forceNative) return true;
  const step = Math.floor(text.length / (SAMPLES + 1));
  let digits = 0;
  for (let i = 1; i <= SAMPLES; i++) {
    const c = text.charCodeAt(i * step);
    if (c > 0x7e) return false;
    if (c >= 0x30 && c <= 0x39) digits++;
  }
  return digits >= minDigits;
}

// A method definition (not a constructor, like the builtin), exposed through a bound copy:
// Function.prototype.toString shows "[native code]" for bound functions (what feature checks such
// as lodash's isNative read), a bound call costs nothing measurable (Node 20/24/26, 200-byte
// payloads), and its own keys are the builtin's (length 2, name). A callable Proxy would also hide
// the source but cost 50-90 ns per call (3-7 % of a 200-byte parse).
const route_ = {
  parse(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
    if (typeof text === 'string' && text.length >= minLength && reviver === undefined && worthNative(text)) {
      const value = nativeParse(text);
      if (value !== FALLBACK) {
        nativeCalls++;
        return value;
      }
      fallbacks++;
    } else {
      builtinCalls++;
    }
    return builtinParse(text, reviver);
  },
}.parse;
const router = route_.bind(undefined);
Object.defineProperty(router, 'name', { value: 'parse', writable: false, enumerable: false, configurable: true });

// String(JSON.parse) and JSON.parse.toString() give the builtin's own text.
Object.defineProperty(router, 'toString', {
  value: function toString() {
    return 'function parse() { [native code] }';
  },
  writable: true,
  enumerable: false,
  configurable: true,
});

function currentStatus(): PatchStatus {
  const common = {
    route: mode,
    node: process.versions.node,
    v8: process.versions.v8,
    thresholds: route ? { minLength: route.minLength, minDigitShare: route.minDigitShare } : null,
    counts: { native: nativeCalls, builtin: builtinCalls, fallbacks },
    // False once the native path disabled itself in this thread (see disable() in json/tape.ts).
    nativePath: installed ? jsonNative() !== null : undefined,
  };
  if (!installed) return { active: false, reason: 'not installed', ...common };
  if (!route) {
    const why = mode === 'builtin' ? 'AFTERBURNER_JSON_ROUTE=builtin' : `no native route measured faster on V8 ${v8Major()}`;
    return { active: true, reason: `builtin kept for every call: ${why}`, ...common };
  }
  return { active: true, ...common };
}

export const jsonPatch: Patch = {
  name: 'json',
  envVar: 'AFTERBURNER_JSON',
  defaultOn: true,
  install(ctx: InstallContext): PatchStatus {
    if (!ctx.native()) return { active: false, reason: ctx.nativeError() ?? 'native addon unavailable' };
    if (!jsonNative()) return { active: false, reason: 'native addon has no json entry points (stale build? run "npm run build:native")' };
    // AFTERBURNER_JSON_ROUTE: `native` sends every string to the native path (tests, experiments),
    // `builtin` keeps the patch installed but routes nothing; `auto` uses the measured table.
    const fromOptions = ctx.options?.route;
    mode = typeof fromOptions === 'string' && (ROUTE_MODES as readonly string[]).includes(fromOptions) ? (fromOptions as RouteMode) : ctx.env.choice<RouteMode>('AFTERBURNER_JSON_ROUTE', ROUTE_MODES, 'auto');
    route = mode === 'native' ? { minLength: 0, minDigitShare: 0 } : mode === 'builtin' ? null : routeFor();
    minLength = route ? route.minLength : Infinity;
    minDigits = route ? Math.ceil(route.minDigitShare * SAMPLES) : SAMPLES + 1;
    forceNative = mode === 'native';
    nativeCalls = builtinCalls = fallbacks = 0;
    original = JSON.parse;
    // Strict mode: throws if JSON.parse is not writable; the registry reports that as inactive.
    JSON.parse = router as typeof JSON.parse;
    if (JSON.parse !== router) {
      original = undefined;
      throw new Error('JSON.parse could not be replaced');
    }
    installed = router as typeof JSON.parse;
    return currentStatus();
  },
  uninstall(): void {
    if (original && JSON.parse === installed) JSON.parse = original;
    original = undefined;
    installed = undefined;
  },
  status(): PatchStatus {
    return currentStatus();
  },
};
