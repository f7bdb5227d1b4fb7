/**
 * Builds JavaScript values from the compact tape that native/json_tape.cc writes (the op kinds and
 * meta slots are core/binding.ts's TAPE_LAYOUT, which the loader checked against the addon's own). One N-API call per document (plus one per distinct string inside it); objects come from
 * one generated literal factory per shape, so they are fast-mode and share hidden classes.
 *
 * Every function here returns FALLBACK instead of throwing when the native side declines: the
 * callers then use the builtin, whose result and errors are the reference.
 */
import { TAPE_LAYOUT, type NativeBinding } from '../core/binding';
import { loadNative } from '../core/native';

/** The addon's json entry points (core/binding.ts declares every export). */
export type JsonNative = NativeBinding;

export const FALLBACK: unique symbol = Symbol('afterburner.json.fallback');
export const ABSENT: unique symbol = Symbol('afterburner.json.absent');

// Op kinds and meta slots, as declared in core/binding.ts (the loader refuses an addon that differs).
const { NUM: OP_NUM, STR: OP_STR, CONST: OP_CONST, ARR: OP_ARR, OBJ: OP_OBJ, OBJG: OP_OBJG, NUMARR: OP_NUMARR, DICT: OP_DICT } = TAPE_LAYOUT.op;
const { OPS_END: META_OPS_END, DEFS_START: META_DEFS_START, DEFS_END: META_DEFS_END, NEW_KEYS: META_NEW_KEYS, RESET: META_RESET, BUFFERS: META_BUFFERS } =
  TAPE_LAYOUT.meta;
/** OP_OBJG/OP_DICT key word: set when the low bits index this document's strings instead of the key table. */
const LOCAL_KEY = TAPE_LAYOUT.key.LOCAL;

// Captured once: user code replacing these later must not change what a parse builds.
const fromEntries = Object.fromEntries;
const create = Object.create;
const setPrototypeOf = Object.setPrototypeOf;
const objectProto = Object.prototype;
const objectKeys = Object.keys;
const NewFunction = Function;
const ArrayCtor = Array;
const arrayProto = Array.prototype;
const concat = arrayProto.concat;
const slice = arrayProto.slice;
const arrayValues = arrayProto[Symbol.iterator];
const arrayIteratorProto = Object.getPrototypeOf([][Symbol.iterator]()) as { next: unknown };
const arrayIteratorNext = arrayIteratorProto.next;
const arrayFrom = Array.from.bind(Array);
const stringify = JSON.stringify;
const reflectApply = Reflect.apply;
const { ceil, floor, min, max } = Math;
const species = Symbol.species;
const spreadable = Symbol.isConcatSpreadable;
const iterator = Symbol.iterator;

/**
 * Whether the builtins the builder calls at parse time still behave as they did at load: `slice`
 * and `concat` consult the array constructor, its species and `Symbol.isConcatSpreadable`, and
 * `Object.fromEntries` iterates arrays. A program that changed one of them would change what a
 * parse builds (or run its code in the middle of one), so the builtin answers instead. A handful
 * of property reads per document.
 */
function builderIntact(): boolean {
  return (
    arrayProto.slice === slice &&
    arrayProto.constructor === ArrayCtor &&
    (ArrayCtor as unknown as Record<symbol, unknown>)[species] === ArrayCtor &&
    !(spreadable in arrayProto) &&
    (arrayProto as unknown as Record<symbol, unknown>)[iterator] === arrayValues &&
    arrayIteratorProto.next === arrayIteratorNext
  );
}

/** An array of n copies of v: an array-like without a prototype, so nothing a program added is read. */
function filled<T>(n: number, v: T): T[] {
  return arrayFrom({ __proto__: null, length: n } as unknown as ArrayLike<T>, () => v);
}

type Factory = (b: () => unknown) => object;

let native: JsonNative | null | undefined;
let ops: Uint32Array = new Uint32Array(0);
let nums: Float64Array = new Float64Array(0);
let meta: Uint32Array = new Uint32Array(TAPE_LAYOUT.meta.SIZE);
// Tables with spare room (see room()): the counts say how much is in use.
let keyTable: string[] = [];
let keyCount = 0;
// Estimated bytes of the interned key strings (two per character at most, plus a header).
let keyBytes = 0;
const KEY_OVERHEAD = 24;
let shapeKeys: string[][] = [];
let factories: Factory[] = [];
let shapeCount = 0;
let strs: unknown[] = [];
let strBase = 0;
let p = 0;
let q = 0;
let busy = false;

/** The addon when it has the json entry points, else null (never throws). */
export function jsonNative(): JsonNative | null {
  if (native !== undefined) return native;
  let binding: NativeBinding | null = null;
  try {
    binding = loadNative();
  } catch {
    binding = null;
  }
  if (binding && typeof binding.jsonTape === 'function' && typeof binding.jsonIsOneByte === 'function' && typeof binding.jsonSetCollector === 'function') {
    native = binding as JsonNative;
    native.jsonSetCollector(collect);
    [ops, nums, meta] = native.jsonBuffers();
  } else {
    native = null;
  }
  return native;
}

function intern(key: string): string {
  // A computed key in a literal is internalized by V8; reading it back gives the internalized copy.
  return objectKeys({ [key]: 0 })[0] ?? key;
}

function literalKey(key: string): string {
  // A non-computed "__proto__" in a literal would set the prototype: the computed form defines an own property.
  return key === '__proto__' ? '["__proto__"]' : stringify(key);
}

function makeFactory(keys: string[]): Factory {
  let body = 'return {';
  for (let i = 0; i < keys.length; i++) body += `${i ? ',' : ''}${literalKey(keys[i])}:b()`;
  body += '};';
  return NewFunction('b', body) as Factory;
}

// Element setters a program put on Array.prototype or Object.prototype must never be called
// (the builtin defines elements; `a[i] = v` on a fresh array would call them). Arrays here are
// therefore made with their elements already present: a rest parameter, or a slice of a template
// whose elements are own data properties; writes then replace own elements and call nothing.
const collect = (...values: unknown[]): unknown[] => values;
const TEMPLATE_MAX = 1 << 16;
// Templates hold small integers (slices start as PACKED_SMI_ELEMENTS, like the builtin's arrays,
// and move to generic elements on the first object). Measured against templates of null (slices
// already generic, one array map at the element store): those were 5-6 % slower on citm_catalog
// and marine_ik (A/B, 10 rounds, Node 24).
let template: unknown[] = filled<unknown>(1024, 0);

function ownArray(n: number): unknown[] {
  if (n <= template.length) return template.slice(0, n);
  if (n <= TEMPLATE_MAX) {
    template = filled<unknown>(TEMPLATE_MAX, 0);
    return template.slice(0, n);
  }
  // Longer arrays: whole template slices joined by concat (which defines elements too).
  const parts = ownArray(ceil(n / TEMPLATE_MAX)) as unknown[][];
  for (let i = 0; i < parts.length; i++) parts[i] = template.slice(0, min(TEMPLATE_MAX, n - i * TEMPLATE_MAX));
  return reflectApply(concat, parts[0], parts.slice(1)) as unknown[];
}

// Number arrays start as double arrays, so the first fractional value costs no conversion of the
// whole store (ints stay exact in a double array; the element kind is not observable).
let numberTemplate: number[] = filled(1024, 0.5);

function ownNumberArray(n: number): number[] {
  if (n <= numberTemplate.length) return numberTemplate.slice(0, n);
  if (numberTemplate.length < TEMPLATE_MAX) numberTemplate = filled(TEMPLATE_MAX, 0.5);
  if (n <= TEMPLATE_MAX) return numberTemplate.slice(0, n);
  // Longer: the template itself repeated, then a slice for the rest, joined by concat, which
  // keeps double elements (a generic array here would be converted on the first store: three
  // large allocations for marine_ik's 74,087-element faces array instead of two).
  const whole = floor(n / TEMPLATE_MAX);
  const rest = n - whole * TEMPLATE_MAX;
  // concat's receiver is the first block; the arguments are the other blocks and the tail.
  const more = ownArray(whole - 1 + (rest ? 1 : 0)) as number[][];
  for (let i = 0; i < whole - 1; i++) more[i] = numberTemplate;
  if (rest) more[whole - 1] = numberTemplate.slice(0, rest);
  return reflectApply(concat, numberTemplate, more) as number[];
}

/** Fills a number array from nums: its own function, so its store only ever sees double arrays. */
function numberArray(n: number): number[] {
  const a = ownNumberArray(n);
  let k = q;
  for (let i = 0; i < n; i++) a[i] = nums[k++];
  q = k;
  return a;
}

/** `table` itself while it has room for element `count`, else a larger copy (own elements). */
function room<T>(table: T[], count: number): T[] {
  if (count < table.length) return table;
  const next = ownArray(max(256, table.length * 2)) as T[];
  for (let i = 0; i < count; i++) next[i] = table[i];
  return next;
}

function build(): unknown {
  const w = ops[p++];
  switch (w & 7) {
    case OP_NUM:
      return nums[q++];
    case OP_STR:
      return strs[strBase + (w >>> 3)];
    case OP_CONST:
      return w === 2 ? null : w !== 10;
    case OP_ARR: {
      // Exact length with own elements (see ownArray): packed, and no prototype setter is called.
      const n = w >>> 3;
      const a = ownArray(n);
      for (let i = 0; i < n; i++) a[i] = build();
      return a;
    }
    case OP_OBJ:
      return factories[w >>> 3](build);
    case OP_OBJG: {
      // Objects without a shape. Key words: persistent key ids, or (high bit set) indexes of this
      // document's own strings (keys that are not kept, see native/json.cc).
      const n = w >>> 3;
      const entries = ownArray(n) as [string, unknown][];
      for (let i = 0; i < n; i++) {
        const kw = ops[p++];
        const k = kw & LOCAL_KEY ? (strs[strBase + (kw & ~LOCAL_KEY)] as string) : keyTable[kw];
        entries[i] = collect(k, build()) as [string, unknown];
      }
      return fromEntries(entries);
    }
    case OP_DICT: {
      // Objects with so many named keys that the builtin returns them in dictionary mode: built as
      // one too, without a prototype (so no setter a program put on Object.prototype, nor
      // `__proto__`, is called), then given Object.prototype. One hash insert per key, where
      // Object.fromEntries would add a map per new key (O(n^2) for maps keyed by ids).
      const n = w >>> 3;
      const o = create(null) as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const kw = ops[p++];
        o[kw & LOCAL_KEY ? (strs[strBase + (kw & ~LOCAL_KEY)] as string) : keyTable[kw]] = build();
      }
      return setPrototypeOf(o, objectProto);
    }
    case OP_NUMARR: {
      const n = w >>> 3;
      // Coordinates and vectors: literals give exact-size double arrays without a growth step.
      if (n === 2) {
        const a = [nums[q], nums[q + 1]];
        q += 2;
        return a;
      }
      if (n === 3) {
        const a = [nums[q], nums[q + 1], nums[q + 2]];
        q += 3;
        return a;
      }
      if (n === 4) {
        // Quaternions, colours, rectangles.
        const a = [nums[q], nums[q + 1], nums[q + 2], nums[q + 3]];
        q += 4;
        return a;
      }
      return numberArray(n);
    }
    default:
      throw new Error(`afterburner: corrupt json tape op ${w}`);
  }
}

/** Reads the new keys and shapes of the last native call, then builds its value. */
function materialise(out: unknown[]): unknown {
  if (meta[META_BUFFERS] === 1) {
    [ops, nums, meta] = (native as JsonNative).jsonBuffers();
    meta[META_BUFFERS] = 0;
  }
  if (meta[META_RESET] === 1) {
    meta[META_RESET] = 0;
    keyTable = [];
    shapeKeys = [];
    factories = [];
    keyCount = shapeCount = keyBytes = 0;
  }
  const newKeys = meta[META_NEW_KEYS];
  freshKeys = newKeys;
  const shapesBefore = shapeCount;
  for (let i = 0; i < newKeys; i++) {
    keyTable = room(keyTable, keyCount);
    const key = intern(out[i] as string);
    keyTable[keyCount++] = key;
    keyBytes += key.length * 2 + KEY_OVERHEAD;
  }
  const defsEnd = meta[META_DEFS_END];
  for (let d = meta[META_DEFS_START]; d < defsEnd; ) {
    const n = ops[d++];
    const keys = ownArray(n) as string[];
    for (let i = 0; i < n; i++) keys[i] = keyTable[ops[d++]];
    shapeKeys = room(shapeKeys, shapeCount);
    factories = room(factories, shapeCount);
    shapeKeys[shapeCount] = keys;
    factories[shapeCount++] = makeFactory(keys);
  }
  freshShapes = shapeCount - shapesBefore;
  strs = out;
  strBase = newKeys;
  p = 0;
  q = 0;
  const value = build();
  strs = [];
  if (p !== meta[META_OPS_END]) throw new Error('afterburner: json tape length mismatch');
  return value;
}

let freshKeys = 0;
let freshShapes = 0;

/**
 * Keys and key sets (shapes) the last nativeParse met for the first time (0 after a fallback):
 * what json/churn.ts reads to recognise documents whose keys never repeat.
 */
export function lastNewKeys(): number {
  return freshKeys;
}

export function lastNewShapes(): number {
  return freshShapes;
}

// Buffers kept for reuse (the parser's, the input copy, the tape arrays) go back to the system
// after a quiet period: one unref'd timer, armed by the first native call after a trim, checks
// every QUIET_MS whether any call came since its last look.
const QUIET_MS = 10_000;
let callsSinceLook = 0;
let quietTimer: ReturnType<typeof setTimeout> | undefined;
const setTimer = setTimeout;

function quietLook(): void {
  if (callsSinceLook > 0) {
    callsSinceLook = 0;
    quietTimer = setTimer(quietLook, QUIET_MS);
    quietTimer.unref?.();
    return;
  }
  quietTimer = undefined;
  if (native && !busy) native.jsonTrim();
}

function noteCall(): void {
  callsSinceLook++;
  if (quietTimer === undefined) {
    callsSinceLook = 0;
    quietTimer = setTimer(quietLook, QUIET_MS);
    quietTimer.unref?.();
  }
}

export interface JsonMemory {
  /** Bytes kept across calls now: tables and buffers. */
  keptBytes: number;
  /** The most that can be kept per thread. */
  ceilingBytes: number;
  /** Keys and shapes, native and JavaScript's (interned keys, factories: estimated). */
  tables: { bytes: number; ceilingBytes: number; keys: number; shapes: number; resets: number };
  /** Buffers kept for reuse (documents up to 1 MB; given back after 10 s without a call). */
  buffers: { bytes: number; ceilingBytes: number };
}

export function memoryStatus(): JsonMemory | null {
  if (!native) return null;
  const [tableBytes, bufferBytes, tableCeiling, bufferCeiling, keys, shapes, resets, factories] = native.jsonMemory();
  const tables = tableBytes + factories + keyBytes;
  return {
    keptBytes: tables + bufferBytes,
    ceilingBytes: tableCeiling + bufferCeiling,
    tables: { bytes: tables, ceilingBytes: tableCeiling, keys, shapes, resets },
    buffers: { bytes: bufferBytes, ceilingBytes: bufferCeiling },
  };
}

/** Native parse of a string or bytes: the value, or FALLBACK. */
export function nativeParse(input: string | Uint8Array): unknown {
  freshKeys = freshShapes = 0;
  const n = native === undefined ? jsonNative() : native;
  // Re-entrancy (a parse from inside a parse cannot happen today, but a shared tape must not be
  // overwritten mid-build if it ever does) goes to the builtin.
  if (n === null || busy || !builderIntact()) return FALLBACK;
  noteCall();
  busy = true;
  try {
    const out = n.jsonTape(input);
    if (out === null) return FALLBACK;
    return materialise(out);
  } catch {
    return disable();
  } finally {
    busy = false;
  }
}

/** Whether V8 stores this string as one-byte (Latin-1); false when unknown (no probe, no addon). */
export function isOneByte(input: string): boolean {
  const n = native === undefined ? jsonNative() : native;
  return n !== null && n.jsonIsOneByte(input);
}

/**
 * Whether strings are classified by V8's IsOneByte (resolved from the node binary when the addon
 * loads). `enable` false switches it off in this thread (the router then samples characters, the
 * old behaviour), true resolves it again. False without the addon.
 */
export function oneByteProbe(enable?: boolean): boolean {
  const n = native === undefined ? jsonNative() : native;
  if (n === null) return false;
  return enable === undefined ? n.jsonOneByte() : n.jsonOneByte(enable);
}

/**
 * A build that throws (code generation disallowed by --disallow-code-generation-from-strings, a
 * stack already nearly full...) leaves the JavaScript key and shape tables out of step with the
 * native ones: stop using the native path in this thread; the builtin answers from now on.
 */
function disable(): typeof FALLBACK {
  native = null;
  keyTable = [];
  shapeKeys = [];
  factories = [];
  keyCount = shapeCount = keyBytes = 0;
  strs = [];
  return FALLBACK;
}

/** 1 valid, 0 invalid, -1 unknown (ask the builtin); FALLBACK without the addon. */
export function nativeValidate(input: string | Uint8Array): number | typeof FALLBACK {
  const n = native === undefined ? jsonNative() : native;
  if (n === null || busy) return FALLBACK;
  return n.jsonValidate(input);
}

/** The value at the pointer tokens, ABSENT, or FALLBACK (the builtin decides). */
export function nativeGet(input: string | Uint8Array, tokens: string[]): unknown {
  const n = native === undefined ? jsonNative() : native;
  if (n === null || busy || !builderIntact()) return FALLBACK;
  noteCall();
  busy = true;
  try {
    const out = n.jsonGet(input, tokens);
    if (out === null) return FALLBACK;
    if (out === false) return ABSENT;
    return materialise(out);
  } catch {
    return disable();
  } finally {
    busy = false;
  }
}

/** For tests and status: sizes of the persistent tables. */
export function tapeStats(): { keys: number; shapes: number } {
  return { keys: keyCount, shapes: shapeCount };
}
