/**
 * The json patch: `JSON.parse` becomes a router that sends a call to the native parser only where
 * it measures cheaper, and to the original builtin everywhere else.
 *
 * Small payloads cost one length compare. Above the threshold, 32 sampled characters and how V8
 * stores the string (its IsOneByte, resolved from the node binary, see native/json.cc) pick a
 * rule: digit-heavy documents and one-byte documents whose samples are all ASCII start on the
 * native path, other text starts undecided. The rule only picks where a class of documents
 * starts: the route guard (json/guard.ts) times both paths now and then and keeps each class on
 * the cheaper one. Without the V8 probe only digit-heavy strings above a larger threshold are
 * considered (V8's own UTF-8 writer then makes two-byte strings a loss).
 * Results are identical either way: the native side declines anything it cannot reproduce exactly,
 * and the builtin then answers.
 */
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { builtinParse } from '../json/builtin';
import { FALLBACK, isOneByte, jsonNative, memoryStatus, nativeParse, oneByteProbe } from '../json/tape';
import { KeyChurn } from '../json/churn';
import { parseGuardStatus } from '../json/parse-guard';
import { RouteGuard, type ClassStatus, type Clock } from '../json/guard';

export interface JsonRoute {
  /** Without the one-byte probe: strings shorter than this always go to the builtin. */
  minLength: number;
  /** Share of digits among 32 sampled characters that sends a string to the native path (0..1). */
  minDigitShare: number;
  /** With the probe: from this length digit-heavy strings start native, the others by representation... */
  probeMinLength: number;
  /** ...one-byte strings whose samples are all ASCII start native when true; other text starts undecided. */
  asciiTextNative: boolean;
}

/**
 * Per V8 major, from the json benchmark (benchmarks/README.md has the figures): where each rule
 * starts. V8 11/12 (Node 20/22) parse numbers about half as fast as V8 13/14 (Node 24/26), so
 * there a lower digit share suffices; `minLength`/`minDigitShare` are the rule without the probe.
 * null: nothing starts native on that runtime, every call stays on the builtin.
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
 * Every string the rules send to the native path, directly or not, runs under the route guard
 * (json/guard.ts): per class (rule x representation x power-of-two size from 1 KB) it times both
 * paths now and then and keeps the cheaper one. Digit-heavy and ASCII-text classes start native,
 * other text starts undecided; none stays where the rule put it unless it measures cheaper there.
 */
const SIZES = 16;
const RULE_DIGITS = 0;
const RULE_ASCII = 1;
const RULE_TEXT = 2;
const RULE_NAMES = ['digits', 'ascii', 'text'] as const;
const guard = new RouteGuard({ classes: RULE_NAMES.length * SIZES * 2 });

function classOf(rule: number, length: number, oneByte: boolean): number {
  const size = 31 - clz32(length) - 10;
  return rule * SIZES * 2 + (oneByte ? 0 : SIZES) + (size < 0 ? 0 : size >= SIZES ? SIZES - 1 : size);
}

function guarded(text: string, rule: number, oneByte: boolean): unknown {
  if (churn.held(text.length)) return viaBuiltin(text);
  return guard.run(classOf(rule, text.length, oneByte), text.length, text, rule !== RULE_TEXT, viaNativeObserved, viaBuiltin);
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

// Documents whose keys never repeat go to the builtin after two calls (see json/churn.ts), before
// the guard has timed anything.
const churn = new KeyChurn();

function viaNativeObserved(text: string): unknown {
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
      if (!probe) {
        if (digits >= minDigits) return guarded(text, RULE_DIGITS, true);
      } else {
        const oneByte = isOneByte(text);
        if (digits >= minDigits) return guarded(text, RULE_DIGITS, oneByte);
        return guarded(text, asciiText && digits >= 0 && oneByte ? RULE_ASCII : RULE_TEXT, oneByte);
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

/** Every class the guard has seen: its rule, size, representation, costs and choice. */
function guardStatus(): ({ rule: string; fromLength: number; oneByte: boolean | null } & ClassStatus)[] {
  const out = [];
  for (let c = 0; c < guard.classCount; c++) {
    if (!guard.seen(c)) continue;
    const rule = RULE_NAMES[Math.floor(c / (SIZES * 2))];
    const within = c % (SIZES * 2);
    out.push({ rule, fromLength: 1024 << within % SIZES, oneByte: probe ? within < SIZES : null, ...guard.status(c) });
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
    // What the native path keeps across calls, and the most it can keep (per thread).
    memory: memoryStatus(),
    // Per class: both paths' measured costs and the current choice (json/guard.ts); the same for
    // json.parse's inputs (against JSON.parse(buf.toString()) for bytes).
    classes: guardStatus(),
    parseClasses: parseGuardStatus(),
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

const realClock = guard.now;

/** Tests: the clock the guard reads (milliseconds); undefined restores the real one. */
export function setGuardClock(now?: Clock): void {
  guard.now = now ?? realClock;
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
    guard.reset();
    churn.reset();
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
