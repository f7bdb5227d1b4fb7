/**
 * Public helpers of the json part: `require('afterburner').json`.
 *
 * Each one answers exactly what the builtin would (JSON.parse on the UTF-8 decoding of the bytes,
 * as `buf.toString()` does it): the native path is taken only where it is known to agree, and
 * everything else (revivers, invalid documents, numbers or depths simdjson cannot represent, a
 * BOM...) goes to the builtin, so errors are the builtin's own SyntaxError.
 */
import { Buffer } from 'node:buffer';
import { invalidParameterError } from '../core/errors';
import { ABSENT, FALLBACK, jsonNative, nativeGet, nativeParse, nativeValidate } from './tape';
import { builtinParse } from './builtin';
import { KeyChurn } from './churn';
import { parseGuard } from './parse-guard';

export type Reviver = (this: unknown, key: string, value: unknown, context?: { source: string }) => unknown;
export type JsonInput = string | Uint8Array;

function isBytes(input: unknown): input is Uint8Array {
  return input instanceof Uint8Array;
}

/** What `buf.toString()` gives: UTF-8 with U+FFFD for invalid sequences, no BOM stripping. */
function decode(bytes: Uint8Array): string {
  // No bytes (an empty view, or one over a detached or shrunk ArrayBuffer): the empty text, as
  // Buffer.from(u).toString() gives it. Buffer.from(u.buffer, ...) would throw a TypeError on a detached one.
  if (bytes.byteLength === 0) return '';
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // No argument: Buffer#toString's own fast path for UTF-8 (an explicit 'utf8' takes a slower one).
  return buf.toString();
}

function text(input: JsonInput): string {
  return typeof input === 'string' ? input : decode(input);
}

function checkInput(input: unknown): asserts input is JsonInput {
  if (typeof input !== 'string' && !isBytes(input)) throw invalidParameterError('input', 'a string, Buffer or Uint8Array', input);
}

/**
 * Byte inputs shorter than this decode and go to the builtin: below it the fixed cost of the
 * native call was not repaid (benchmarks/json, API payloads of 74 B to 2 KB, per V8 major).
 */
const BYTES_MIN_LENGTH: Readonly<Record<string, number>> = { '11': 256, '12': 256, '13': 256, '14': 2048 };
const bytesMinLength = BYTES_MIN_LENGTH[process.versions.v8.split('.')[0]] ?? 2048;

// Documents whose keys never repeat go to the builtin after two calls (see churn.ts).
const churn = new KeyChurn();

const { clz32 } = Math;

function nativeOrBuiltin(input: JsonInput): unknown {
  const value = nativeParse(input);
  churn.observe(input.length);
  return value !== FALLBACK ? value : builtinParse(text(input));
}

function builtinOf(input: JsonInput): unknown {
  return builtinParse(text(input));
}

/**
 * `JSON.parse` for a string, Buffer or Uint8Array (bytes are UTF-8; no `toString()` on the native
 * path). Same result as `JSON.parse(buf.toString(), reviver)`; a reviver runs in the builtin.
 */
export function parse(input: JsonInput, reviver?: Reviver): unknown {
  checkInput(input);
  if (typeof reviver !== 'function' && input.length >= bytesMinLength && !churn.held(input.length)) {
    const c = (typeof input === 'string' ? 32 : 0) + 31 - clz32(input.length);
    return parseGuard.run(c, input.length, input, true, nativeOrBuiltin, builtinOf);
  }
  return builtinParse(text(input), reviver as Parameters<typeof JSON.parse>[1]);
}

const POINTER_EXPECTED = 'an RFC 6901 JSON Pointer string ("" or starting with "/")';

function pointerTokens(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && pointer[0] !== '/')) throw invalidParameterError('pointer', POINTER_EXPECTED, pointer);
  if (pointer === '') return [];
  const parts = pointer.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.includes('~')) {
      if (/~(?![01])/.test(part)) throw invalidParameterError('pointer', `${POINTER_EXPECTED}: "~" must be followed by 0 or 1`, pointer);
      parts[i] = part.replace(/~1/g, '/').replace(/~0/g, '~');
    }
  }
  return parts;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function isWellFormed(token: string): boolean {
  return !LONE_SURROGATE.test(token);
}

const CANONICAL_INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/** The same walk as the native one, on a value the builtin produced. */
function walk(value: unknown, tokens: string[]): unknown {
  let current = value;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!CANONICAL_INDEX.test(token)) return undefined;
      const index = Number(token);
      if (index >= current.length) return undefined;
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * One value by RFC 6901 JSON Pointer (`""` is the whole document, `/a/0/b~1c` reads
 * `doc.a[0]["b/c"]`). Array steps take canonical indexes only (`0`, `12`; not `01`, `-`).
 * Returns undefined when the value is absent; throws the builtin's SyntaxError when the whole
 * document is not valid JSON, even if the value was found before the error.
 */
export function get(input: JsonInput, pointer: string): unknown {
  checkInput(input);
  const tokens = pointerTokens(pointer);
  // Tokens must survive the trip to UTF-8 unchanged for the native key comparison.
  if (tokens.every(isWellFormed)) {
    const value = nativeGet(input, tokens);
    if (value === ABSENT) return undefined;
    if (value !== FALLBACK) return value;
  }
  return walk(builtinParse(text(input)), tokens);
}

/** True when `JSON.parse(input)` (bytes decoded as `buf.toString()` would) would not throw. */
export function validate(input: JsonInput): boolean {
  checkInput(input);
  const verdict = nativeValidate(input);
  if (verdict === 1) return true;
  if (verdict === 0) return false;
  try {
    builtinParse(text(input));
    return true;
  } catch {
    return false;
  }
}

/** Whether the native helpers are available in this process (they fall back silently otherwise). */
export function nativeAvailable(): boolean {
  return jsonNative() !== null;
}
