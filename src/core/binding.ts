/**
 * The native surface, declared once: every export of the compiled addon (native/addon.cc registers
 * them all) and the json tape's layout. The loader (native.ts) checks a build against this module
 * before anything uses it: the interface version, that every declared function is there, and that
 * the addon's own tape layout (its `jsonTapeLayout` export) equals TAPE_LAYOUT below, so the C++
 * side and the tape reader (json/tape.ts) cannot drift apart unnoticed.
 */

/** Bumped whenever the C++ exports change shape, so a stale build is refused instead of misused. */
export const NATIVE_INTERFACE = 3;

/**
 * The json tape (native/json_tape_layout.h): op kinds (low 3 bits of an ops word), the slots of the
 * meta array, and the reasons (meta[ERROR] >= 100) a call leaves a document to the builtin.
 */
export const TAPE_LAYOUT = {
  op: { NUM: 0, STR: 1, CONST: 2, ARR: 3, OBJ: 4, OBJG: 5, NUMARR: 6, DICT: 7 },
  meta: { OPS_END: 0, DEFS_START: 1, DEFS_END: 2, NEW_KEYS: 3, RESET: 4, BUFFERS: 5, ERROR: 6, SIZE: 8 },
  reason: { MINUS_ZERO: 100, BOM: 101, REPLACEMENT: 102, TOO_LARGE: 103, EMPTY: 104 },
  /** OP_OBJG/OP_DICT key words with this bit index the document's strings (keys that are not kept). */
  key: { LOCAL: 0x80000000 },
} as const;

export type TapeLayout = { [G in keyof typeof TAPE_LAYOUT]: { [K in keyof (typeof TAPE_LAYOUT)[G]]: number } };

export interface BuildInfo {
  simdjson: string;
  /** simdjson's own kernel for parse: 'icelake', 'haswell', 'westmere', 'arm64', 'fallback'... */
  implementation: string;
  /** Stage 1 of json.validate/json.get: 'avx512' or 'avx2' (the addon's own), or 'simdjson'. */
  jsonIndex: string;
  /** The processor level the addon's own kernels use (native/cpu.h): 'avx512', 'avx2' or 'scalar'. */
  cpu: string;
  napi: number;
}

/** glibc allocator controls (native/malloc_controls.cc); only `glibc` where the C library is not glibc. */
export interface MallocBinding {
  glibc: string | null;
  setArenaMax?(n: number): boolean;
  trim?(pad?: number): boolean;
  mallinfo2?(): Record<string, number>;
  info?(): string | null;
}

export interface NativeBinding {
  interfaceVersion: number;
  buildInfo(): BuildInfo;
  jsonTapeLayout: TapeLayout;
  /** Parses into the tape: the strings array (read meta), or null when the builtin must answer. */
  jsonTape(input: string | Uint8Array): unknown[] | null;
  /** True for a string V8 stores as one-byte (false without the probe). O(1). */
  jsonIsOneByte(input: unknown): boolean;
  /** Whether V8's IsOneByte probe is in use; a boolean argument switches it off or back on. */
  jsonOneByte(enable?: boolean): boolean;
  /** 1 valid, 0 invalid, -1 ask the builtin. */
  jsonValidate(input: string | Uint8Array): number;
  /** Like jsonTape for the value at the pointer; false when absent, null when the builtin must answer. */
  jsonGet(input: string | Uint8Array, tokens: string[]): unknown[] | null | false;
  /** The `(...v) => v` function the addon makes arrays with (it never calls prototype setters). */
  jsonSetCollector(collect: (...values: unknown[]) => unknown[]): void;
  /** The current [ops, nums, meta] arrays; fetched again whenever meta[BUFFERS] is 1. */
  jsonBuffers(): [Uint32Array, Float64Array, Uint32Array];
  /** [native table bytes, buffer bytes, tables' ceiling (native and JavaScript's), buffers' ceiling, keys, shapes, table resets, factories' estimated bytes] */
  jsonMemory(): number[];
  /** Gives back the buffers kept for reuse (the tables stay). */
  jsonTrim(): void;
  malloc: MallocBinding;
}

type FunctionExport = { [K in keyof NativeBinding]: NativeBinding[K] extends (...args: never[]) => unknown ? K : never }[keyof NativeBinding];

/** Every function export, checked at load time. */
export const NATIVE_FUNCTIONS: readonly FunctionExport[] = [
  'buildInfo',
  'jsonTape',
  'jsonIsOneByte',
  'jsonOneByte',
  'jsonValidate',
  'jsonGet',
  'jsonSetCollector',
  'jsonBuffers',
  'jsonMemory',
  'jsonTrim',
];

/** Where a build's tape layout differs from TAPE_LAYOUT (empty when it does not), e.g. "op.NUM: 1, expected 0". */
export function tapeLayoutDifferences(layout: unknown): string[] {
  const out: string[] = [];
  const theirs = (layout && typeof layout === 'object' ? layout : {}) as Record<string, Record<string, unknown> | undefined>;
  for (const [group, entries] of Object.entries(TAPE_LAYOUT) as [string, Record<string, number>][]) {
    const got = theirs[group] && typeof theirs[group] === 'object' ? theirs[group] : {};
    const names = new Set([...Object.keys(entries), ...Object.keys(got)]);
    for (const name of names) {
      if (got[name] !== entries[name]) out.push(`${group}.${name}: ${String(got[name])}, expected ${String(entries[name])}`);
    }
  }
  for (const group of Object.keys(theirs)) {
    if (!(group in TAPE_LAYOUT)) out.push(`${group}: not expected`);
  }
  return out;
}
