/**
 * The json patch: `JSON.parse` becomes a router that sends a call to the native parser only where
 * the benchmark measured it faster on the running V8, and to the original builtin everywhere else.
 *
 * Small payloads cost one length compare. Above the threshold the question that decides is whether
 * V8 stores the string as one-byte (Latin-1): the native side copies such a string out at memcpy
 * speed, while transcoding a two-byte string costs 40-80 % of the builtin's whole parse. V8 answers
 * that in O(1) (its IsOneByte, resolved from the node binary, see native/json.cc), inside the native
 * call itself: a two-byte string is declined before anything is copied and the builtin answers.
 * Among one-byte strings, 32 sampled characters find the number-heavy documents (coordinates,
 * metrics, vectors, API pages), which the native path wins on every version; the others (text-heavy
 * documents, where the two paths are close and either can win) are decided per size class by
 * timing both paths now and then (see Learner). Without the V8 probe the router samples only, as
 * before: digit-heavy, ASCII-looking strings above a larger threshold go native.
 * Results are identical either way: the native side declines anything it cannot reproduce exactly,
 * and the builtin then answers.
 */
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { builtinParse } from '../json/builtin';
import { FALLBACK, declinedTwoByte, isOneByte, jsonNative, nativeParse, nativeParseOneByte, oneByteProbe } from '../json/tape';

export interface JsonRoute {
  /** Without the one-byte probe: strings shorter than this always go to the builtin. */
  minLength: number;
  /** Share of digits among 32 sampled characters that sends a string to the native path (0..1). */
  minDigitShare: number;
  /** With the probe: one-byte strings from this length with the digit share go native. */
  oneByteMinLength: number;
  /** With the probe: other one-byte strings from this length are timed and routed per size class. */
  learnMinLength: number;
}

/**
 * Measured per V8 major (benchmarks/json, the notes in benchmarks/README.md, and for the one-byte
 * thresholds number arrays and API pages of 1-32 KB; 2-core machine, 2026-11-25).
 * From a one-byte string the native path wins on number-heavy documents from 1 KB on every version
 * (numbers 1 KB: 1.3x on Node 24, 2.0x on 20; API pages 2 KB: 1.4-1.5x on 24, 1.5-1.7x on 20/22);
 * 2 KB keeps the sampling off payloads where its ~30 ns would show. Text-heavy one-byte documents go
 * either way (instruments 1.4x, gsoc-2018 1.1-1.4x, but twitter.json with its non-ASCII characters
 * replaced 0.85x, update-center likewise 0.76x on Node 24): the learner decides those.
 * The digit shares and the probe-less thresholds are the earlier table's: V8 11/12 (Node 20/22)
 * parse numbers about half as fast as V8 13/14 (Node 24/26), so there a lower share suffices.
 * null: no route measured faster on that runtime, everything stays on the builtin.
 */
export const ROUTES: Readonly<Record<string, JsonRoute | null>> = {
  '11': { minLength: 16 * 1024, minDigitShare: 0.15, oneByteMinLength: 2048, learnMinLength: 2048 }, // Node 20
  '12': { minLength: 16 * 1024, minDigitShare: 0.15, oneByteMinLength: 2048, learnMinLength: 2048 }, // Node 22
  '13': { minLength: 32 * 1024, minDigitShare: 0.25, oneByteMinLength: 2048, learnMinLength: 2048 }, // Node 24
  '14': { minLength: 32 * 1024, minDigitShare: 0.25, oneByteMinLength: 2048, learnMinLength: 2048 }, // Node 26
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
let learnMinLength = Infinity;
let minDigits = SAMPLES + 1;
let forceNative = false;
let probe = false;
let probeSwitchedOff = false;
let nativeCalls = 0;
let builtinCalls = 0;
let twoByteCalls = 0;
let fallbacks = 0;

/** Digits among SAMPLES evenly spaced characters; -1 when a sample is not ASCII (old rule only). */
function sampledDigits(text: string, asciiOnly: boolean): number {
  const step = Math.floor(text.length / (SAMPLES + 1));
  let digits = 0;
  for (let i = 1; i <= SAMPLES; i++) {
    const c = text.charCodeAt(i * step);
    if (c > 0x7e && asciiOnly) return -1;
    if (c >= 0x30 && c <= 0x39) digits++;
  }
  return digits;
}

/**
 * Learner for one-byte strings the table does not settle. Per size class (powers of two from
 * 1 KB), an estimate of each path's cost per character from timed calls: the first 16 calls of a
 * class run each path in turn, 4 calls at a time, then the cheaper one (by 3 %) runs; every 8th
 * call times it again, and every 128 calls the other path runs 4 times (timed on the last 2: a lone
 * call after the other path's runs with cold caches), so a class follows its workload. The estimate
 * is a decaying minimum (a timing below it replaces it, one above raises it by 5 %): the first calls of
 * a new document shape compile factories, and a GC pause can land in any call, so single slow
 * timings must not decide, while a lasting change still moves the estimate within ~15 timings.
 * The price of looking: in a class where native loses by a quarter, 4 calls in 128 pay that (about
 * 1 %); untimed calls cost a counter. Builtin timings are kept for one-byte strings only (two-byte
 * ones never go native), and a native call the native side declines records nothing.
 */
const CLASSES = 16;
const classCalls = new Uint32Array(CLASSES);
const nativeCost = new Float64Array(CLASSES);
const builtinCost = new Float64Array(CLASSES);
const perf = globalThis.performance;
const now: () => number = perf && typeof perf.now === 'function' ? perf.now.bind(perf) : Date.now;

function classOf(length: number): number {
  const c = 31 - Math.clz32(length) - 10;
  return c < 0 ? 0 : c >= CLASSES ? CLASSES - 1 : c;
}

function record(costs: Float64Array, c: number, ms: number, length: number): void {
  const x = ms / length;
  const old = costs[c];
  costs[c] = old === 0 || x < old ? x : old * 1.05;
}

function nativeChosen(c: number): boolean {
  return nativeCost[c] > 0 && builtinCost[c] > 0 && nativeCost[c] < builtinCost[c] * 0.97;
}

function learned(text: string, reviver: undefined): unknown {
  const c = classOf(text.length);
  const k = ++classCalls[c];
  let useNative: boolean;
  let timed: boolean;
  if (k <= 32) {
    // Bursts of 4 calls per path, timed on the last 2: a lone call after the other path's calls
    // runs with cold caches and measures that, not the path.
    useNative = (((k - 1) >> 2) & 1) === 0;
    timed = ((k - 1) & 3) >= 2;
  } else {
    const nativeBetter = nativeChosen(c);
    const pos = k & 127;
    useNative = pos < 4 ? !nativeBetter : nativeBetter;
    timed = pos < 4 ? pos >= 2 : (k & 7) === 6;
  }
  if (useNative) {
    const t0 = timed ? now() : 0;
    const value = nativeParseOneByte(text);
    if (value !== FALLBACK) {
      if (timed) record(nativeCost, c, now() - t0, text.length);
      nativeCalls++;
      return value;
    }
    if (declinedTwoByte()) twoByteCalls++;
    else fallbacks++;
    return builtinParse(text, reviver);
  }
  builtinCalls++;
  if (!timed || !isOneByte(text)) return builtinParse(text, reviver);
  const t0 = now();
  const value = builtinParse(text, reviver);
  record(builtinCost, c, now() - t0, text.length);
  return value;
}

// A method definition (not a constructor, like the builtin), exposed through a bound copy:
// Function.prototype.toString shows "[native code]" for bound functions (what feature checks such
// as lodash's isNative read), a bound call costs nothing measurable (Node 20/24/26, 200-byte
// payloads), and its own keys are the builtin's (length 2, name). A callable Proxy would also hide
// the source but cost 50-90 ns per call (3-7 % of a 200-byte parse).
const route_ = {
  parse(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
    if (typeof text === 'string' && text.length >= minLength && reviver === undefined) {
      if (forceNative) return viaNative(text, nativeParse(text));
      if (probe) {
        // One-byte strings only: the native side declines a two-byte one in O(1).
        if (sampledDigits(text, false) >= minDigits) return viaNative(text, nativeParseOneByte(text));
        if (text.length >= learnMinLength) return learned(text, undefined);
      } else if (sampledDigits(text, true) >= minDigits) {
        return viaNative(text, nativeParse(text));
      }
    }
    builtinCalls++;
    return builtinParse(text, reviver);
  },
}.parse;

function viaNative(text: string, value: unknown): unknown {
  if (value !== FALLBACK) {
    nativeCalls++;
    return value;
  }
  if (declinedTwoByte()) twoByteCalls++;
  else fallbacks++;
  return builtinParse(text);
}

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

/** Size classes the learner has seen: cost per character of each path (ns) and its current choice. */
function learnerStatus(): { fromBytes: number; calls: number; nativeNsPerChar: number; builtinNsPerChar: number; choice: string }[] {
  const out = [];
  for (let c = 0; c < CLASSES; c++) {
    if (!classCalls[c]) continue;
    const choice = nativeChosen(c) ? 'native' : 'builtin';
    out.push({ fromBytes: 1024 << c, calls: classCalls[c], nativeNsPerChar: nativeCost[c] * 1e6, builtinNsPerChar: builtinCost[c] * 1e6, choice });
  }
  return out;
}

function currentStatus(): PatchStatus {
  const common = {
    route: mode,
    node: process.versions.node,
    v8: process.versions.v8,
    thresholds: route ? { ...route } : null,
    // Whether V8's IsOneByte answers the one-byte question (else the router samples only).
    oneByte: installed ? probe : undefined,
    counts: { native: nativeCalls, builtin: builtinCalls, twoByte: twoByteCalls, fallbacks },
    learner: learnerStatus(),
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
    route = mode === 'native' ? { minLength: 0, minDigitShare: 0, oneByteMinLength: 0, learnMinLength: 0 } : mode === 'builtin' ? null : routeFor();
    // AFTERBURNER_JSON_ONEBYTE=0 (or install({ json: { oneByte: false } })) switches V8's IsOneByte
    // probe off in this thread: the router then samples characters only (the earlier behaviour).
    const oneByteOption = ctx.options?.oneByte;
    const wantProbe = typeof oneByteOption === 'boolean' ? oneByteOption : ctx.env.boolean('AFTERBURNER_JSON_ONEBYTE', true);
    probe = oneByteProbe(wantProbe);
    probeSwitchedOff = !wantProbe;
    minLength = route ? (probe ? route.oneByteMinLength : route.minLength) : Infinity;
    learnMinLength = route && probe ? Math.max(route.learnMinLength, minLength) : Infinity;
    minDigits = route ? Math.ceil(route.minDigitShare * SAMPLES) : SAMPLES + 1;
    forceNative = mode === 'native';
    nativeCalls = builtinCalls = twoByteCalls = fallbacks = 0;
    classCalls.fill(0);
    nativeCost.fill(0);
    builtinCost.fill(0);
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
    if (probeSwitchedOff) oneByteProbe(true);
    probeSwitchedOff = false;
    original = undefined;
    installed = undefined;
  },
  status(): PatchStatus {
    return currentStatus();
  },
};
