/**
 * The json patch: `JSON.parse` becomes a router that sends a call to the native parser only where
 * the benchmark measured it faster on the running V8, and to the original builtin everywhere else.
 *
 * Small payloads cost one length compare. Above the threshold, 32 sampled characters and how V8
 * stores the string decide. V8 answers the latter in O(1) (its IsOneByte, resolved from the node
 * binary, see native/json.cc); the native side copies a one-byte (Latin-1) string out at memcpy
 * speed and transcodes a two-byte one itself. Number-heavy documents (coordinates, metrics,
 * vectors, API pages) and one-byte documents whose samples are all ASCII go native: measured faster
 * on every such document of the corpus and the API payloads on Node 20-24 (on Node 26 the latter
 * are close calls too, see ROUTES). The rest (two-byte
 * strings, one-byte strings with Latin-1 letters in the samples: close calls, either path can win)
 * are decided per size class and representation by timing both paths now and then (the learner).
 * Without that V8 probe the router behaves as before: digit-heavy, ASCII-looking strings above a
 * larger threshold go native (V8's own UTF-8 writer then makes two-byte strings a loss).
 * Results are identical either way: the native side declines anything it cannot reproduce exactly,
 * and the builtin then answers.
 */
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { builtinParse } from '../json/builtin';
import { FALLBACK, isOneByte, jsonNative, nativeParse, oneByteProbe } from '../json/tape';
import { KeyChurn } from '../json/churn';

export interface JsonRoute {
  /** Without the one-byte probe: strings shorter than this always go to the builtin. */
  minLength: number;
  /** Share of digits among 32 sampled characters that sends a string to the native path (0..1). */
  minDigitShare: number;
  /** With the probe: from this length digit-heavy strings go native, the others to the learner... */
  probeMinLength: number;
  /** ...except one-byte strings whose samples are all ASCII, which go native directly when true. */
  asciiTextNative: boolean;
}

/**
 * Measured per V8 major (benchmarks/json and benchmarks/README.md; 2-core machine, 2026-11-25).
 * With the probe, native vs builtin from a string: number arrays from 1 KB 1.3-1.6x on Node 24 and
 * 2.0-2.6x on Node 20; API pages of 2-128 KB 1.4-1.6x on 24 and 1.5-1.8x on 20/22, one-byte or with
 * one CJK character (two-byte); the corpus's one-byte text documents 1.05-1.4x on 24 (apache_builds,
 * github_events, gsoc-2018, instruments, twitterescaped), and twitter/citm_catalog/random/
 * update-center re-encoded as ASCII one-byte strings 1.1-1.7x. Close calls, left to the learner:
 * the two-byte corpus files (twitter 1.05-1.1x, random 1.0-1.1x, update-center 0.9-1.1x on 24;
 * citm_catalog 1.5x) and Latin-1-heavy text (twitter.json with every non-ASCII character made "é":
 * 0.9-1.0x). 2 KB keeps the sampling (~30 ns) and the learner off payloads where they would show.
 * Node 26 parses small text documents faster than 24: with the first materialiser github_events
 * measured 0.88-1.10x and apache_builds 0.94-1.14x natively, so ASCII text went to the learner
 * there; since the evening's materialiser (sibling shapes, inline string compares) natively
 * github_events 1.11-1.17x, apache_builds 1.30-1.37x, gsoc-2018 1.32-1.37x, API pages of 2 KB
 * 1.10-1.20x (three runs each, Node 26.10), while the learner's exploration kept the patched rows
 * at 1.00-1.13x: native directly.
 * The digit shares and the probe-less thresholds are the earlier table's (UTF-8 through V8): V8 11/12
 * (Node 20/22) parse numbers about half as fast as V8 13/14 (Node 24/26), so there a lower share
 * suffices. null: no route measured faster on that runtime, everything stays on the builtin.
 */
export const ROUTES: Readonly<Record<string, JsonRoute | null>> = {
  '11': { minLength: 16 * 1024, minDigitShare: 0.15, probeMinLength: 2048, asciiTextNative: true }, // Node 20
  '12': { minLength: 16 * 1024, minDigitShare: 0.15, probeMinLength: 2048, asciiTextNative: true }, // Node 22
  '13': { minLength: 32 * 1024, minDigitShare: 0.25, probeMinLength: 2048, asciiTextNative: true }, // Node 24
  '14': { minLength: 32 * 1024, minDigitShare: 0.25, probeMinLength: 2048, asciiTextNative: true }, // Node 26
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
let asciiText = false;
let probe = false;
let probeSwitchedOff = false;
let nativeCalls = 0;
let builtinCalls = 0;
let fallbacks = 0;

// Captured at load, like everything the json path calls per parse: a program that replaces them
// later must not run its code inside JSON.parse (nor steer the router).
const { floor, ceil, clz32 } = Math;
const charCodeAt = Function.prototype.call.bind(String.prototype.charCodeAt) as (text: string, index: number) => number;

/** Digits among SAMPLES evenly spaced characters; -1 when a sample is not ASCII. */
function sampledDigits(text: string): number {
  const step = floor(text.length / (SAMPLES + 1));
  let digits = 0;
  for (let i = 1; i <= SAMPLES; i++) {
    const c = charCodeAt(text, i * step);
    if (c > 0x7e) return -1;
    if (c >= 0x30 && c <= 0x39) digits++;
  }
  return digits;
}

/**
 * The learner, for strings the sampling does not settle. Per class (a power-of-two size from 1 KB,
 * one-byte or two-byte), a running estimate of each path's cost per character from blocks of
 * consecutive calls on that path: the first 32 calls of a class warm both paths up (16 each,
 * untimed), the next 32 run each path in turn, 8 calls at a time; then native runs if it measured
 * at least 10 % cheaper, else the builtin, and in every 256 calls of the class the other path runs
 * 8 times and 32 calls of the chosen one are timed again, so a class follows its workload.
 * Why blocks: single-call timings mislead both ways. The first call after the other path's calls
 * runs with cold caches, and a young-generation GC pause lands in one call out of a few, often
 * paying for garbage the previous call left (the native path allocates differently from the
 * builtin), so per-call timings are bimodal and biased against whichever path follows the other;
 * summed over calls 3-8 of a run (and over 32 calls of the chosen path) the pauses are shared out
 * by what each path allocates. Each block updates the estimate by half. Why 10 %: on a busy 2-core
 * machine two blocks per path cannot resolve a few percent, and a wrong native choice costs more
 * than a missed one (update-center.json on Node 22: native 0.83x; with a 3 % margin the learner
 * sometimes took it). A native call that falls back is timed with the builtin call after it (the
 * whole cost of trying). The price of looking: in a class where native loses by a quarter, 8 calls
 * in 256 pay that (about 1 %), plus 16 warm-up calls once; a timed call costs two clock reads
 * (~60 ns), an untimed one a counter; every call one O(1) native call (the representation).
 */
const CLASSES = 16;
const WARM = 32;
const classCalls = new Uint32Array(CLASSES * 2);
const nativeCost = new Float64Array(CLASSES * 2);
const builtinCost = new Float64Array(CLASSES * 2);
const blockMs = new Float64Array(CLASSES * 2);
const blockChars = new Float64Array(CLASSES * 2);
const choice = new Uint8Array(CLASSES * 2); // 1: native
const perf = globalThis.performance;
const now: () => number = perf && typeof perf.now === 'function' ? perf.now.bind(perf) : Date.now;

function classOf(text: string, oneByte: boolean): number {
  const size = 31 - clz32(text.length) - 10;
  return (size < 0 ? 0 : size >= CLASSES ? CLASSES - 1 : size) + (oneByte ? 0 : CLASSES);
}

/** Ends a timed block: its cost per character updates the path's estimate by half. */
function endBlock(costs: Float64Array, c: number): void {
  if (blockChars[c] > 0) {
    const x = blockMs[c] / blockChars[c];
    costs[c] = costs[c] === 0 ? x : (costs[c] + x) / 2;
  }
  blockMs[c] = blockChars[c] = 0;
  choice[c] = nativeCost[c] > 0 && builtinCost[c] > 0 && nativeCost[c] < builtinCost[c] * 0.9 ? 1 : 0;
}

function nativeChosen(c: number): boolean {
  return choice[c] === 1;
}

function learned(text: string, oneByte: boolean): unknown {
  const c = classOf(text, oneByte);
  const k = ++classCalls[c] - 1;
  let useNative: boolean;
  let timed: boolean;
  let last: boolean;
  if (k < WARM + 32) {
    // The first WARM calls warm both paths up untimed (the first native calls of a new document
    // shape compile its factories, and V8 then optimizes them and the builder): timing them made
    // twitter.json look slower natively on Node 20 (1.2x faster in fact).
    const pos = k & 7;
    useNative = k < WARM ? k < WARM / 2 : ((k >> 3) & 1) === 0;
    timed = k >= WARM && pos >= 2;
    last = k >= WARM && pos === 7;
  } else {
    const pos = k & 255;
    const explore = pos < 8;
    useNative = explore === (choice[c] === 0);
    timed = explore ? pos >= 2 : pos >= 16 && pos < 48;
    last = pos === 7 || pos === 47;
  }
  if (!timed) return useNative ? viaNative(text) : viaBuiltin(text);
  const t0 = now();
  const value = useNative ? viaNative(text) : viaBuiltin(text);
  blockMs[c] += now() - t0;
  blockChars[c] += text.length;
  if (last) endBlock(useNative ? nativeCost : builtinCost, c);
  return value;
}

function viaNative(text: string): unknown {
  const value = nativeParse(text);
  if (value !== FALLBACK) {
    nativeCalls++;
    return value;
  }
  fallbacks++;
  return builtinParse(text);
}

// Documents whose keys never repeat go to the builtin after two calls (see json/churn.ts): the
// direct routes below send text native without timing it.
const churn = new KeyChurn();

function viaNativeUnlessChurn(text: string): unknown {
  if (churn.held(text.length)) return viaBuiltin(text);
  const value = viaNative(text);
  churn.observe(text.length);
  return value;
}

function viaBuiltin(text: string): unknown {
  builtinCalls++;
  return builtinParse(text);
}

// A method definition (not a constructor, like the builtin), exposed through a bound copy:
// Function.prototype.toString shows "[native code]" for bound functions (what feature checks such
// as lodash's isNative read), a bound call costs nothing measurable (Node 20/24/26, 200-byte
// payloads), and its own keys are the builtin's (length 2, name). A callable Proxy would also hide
// the source but cost 50-90 ns per call (3-7 % of a 200-byte parse).
const route_ = {
  parse(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
    if (typeof text === 'string' && text.length >= minLength && reviver === undefined) {
      if (forceNative) return viaNative(text);
      const digits = sampledDigits(text);
      if (digits >= minDigits) return viaNativeUnlessChurn(text);
      if (probe) {
        const oneByte = isOneByte(text);
        return asciiText && digits >= 0 && oneByte ? viaNativeUnlessChurn(text) : learned(text, oneByte);
      }
    }
    builtinCalls++;
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

/** Classes the learner has seen: cost per character of each path (ns) and its current choice. */
function learnerStatus(): { fromLength: number; oneByte: boolean; calls: number; nativeNsPerChar: number; builtinNsPerChar: number; choice: string }[] {
  const out = [];
  for (let c = 0; c < CLASSES * 2; c++) {
    if (!classCalls[c]) continue;
    const choice = nativeChosen(c) ? 'native' : 'builtin';
    out.push({ fromLength: 1024 << c % CLASSES, oneByte: c < CLASSES, calls: classCalls[c], nativeNsPerChar: nativeCost[c] * 1e6, builtinNsPerChar: builtinCost[c] * 1e6, choice });
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
    counts: { native: nativeCalls, builtin: builtinCalls, fallbacks },
    // Size classes held on the builtin because their documents' keys never repeat (json/churn.ts).
    churn: churn.status(),
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
    route = mode === 'native' ? { minLength: 0, minDigitShare: 0, probeMinLength: 0, asciiTextNative: true } : mode === 'builtin' ? null : routeFor();
    // AFTERBURNER_JSON_ONEBYTE=0 (or install({ json: { oneByte: false } })) switches V8's IsOneByte
    // probe off in this thread: the router then samples characters only (the earlier behaviour).
    const oneByteOption = ctx.options?.oneByte;
    const wantProbe = typeof oneByteOption === 'boolean' ? oneByteOption : ctx.env.boolean('AFTERBURNER_JSON_ONEBYTE', true);
    probe = oneByteProbe(wantProbe);
    probeSwitchedOff = !wantProbe;
    minLength = route ? (probe ? route.probeMinLength : route.minLength) : Infinity;
    minDigits = route ? ceil(route.minDigitShare * SAMPLES) : SAMPLES + 1;
    forceNative = mode === 'native';
    asciiText = route !== null && route.asciiTextNative;
    nativeCalls = builtinCalls = fallbacks = 0;
    classCalls.fill(0);
    churn.reset();
    choice.fill(0);
    nativeCost.fill(0);
    builtinCost.fill(0);
    blockMs.fill(0);
    blockChars.fill(0);
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
