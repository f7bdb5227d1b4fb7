/**
 * fastify: its default `application/json` content-type parser reads the body as a string
 * (`parseAs: 'string'`) and hands it to secure-json-parse. The integration makes that parser read
 * the body as a Buffer and parse it with `json.parse(Buffer)`, so the bytes go to the native path
 * without being decoded first.
 *
 * What stays fastify's own: reading the body, the body limit and content-length checks (rawBody
 * does them the same for both modes), the content-type matching, and every error: an empty body,
 * a body starting with a byte-order mark (secure-json-parse strips it), and any body that could
 * hold a `__proto__` or `constructor` key (the literal words, or a `\u005x`-`\u007x` escape that
 * could spell one) go to fastify's own parser with the string fastify would have decoded, so
 * `onProtoPoisoning` / `onConstructorPoisoning` act exactly as they do without afterburner. An
 * invalid document gets fastify's own FST_ERR_CTP_INVALID_JSON_BODY, as its parser's catch does.
 *
 * Hooked: `fastify/lib/content-type-parser.js`, whose export is the constructor fastify calls once
 * per instance (`buildContentTypeParser` copies the parsers, and so the replacement, into
 * encapsulated contexts). Only fastify 5 is supported; other versions are left alone.
 */
import * as path from 'node:path';
import { Buffer } from 'node:buffer';
import type { IntegrationState } from './state';

type Done = (error: unknown, body: unknown) => void;
type BodyParser = (req: unknown, body: string | Buffer, done: Done) => void;
interface FastifyParser {
  asString: boolean;
  asBuffer: boolean;
  fn: BodyParser;
}
interface ContentTypeParserInstance {
  customParsers?: Map<string, FastifyParser>;
  [key: symbol]: unknown;
}
type ErrorClass = new () => Error;

export const SUPPORTED = '5.x';

const PROTO = Buffer.from('__proto__');
const CONSTRUCTOR = Buffer.from('constructor');
const ESCAPE = Buffer.from('\\u00');

/**
 * Whether secure-json-parse could find a forbidden key in this body: both its patterns need the
 * literal word or at least one `\u00XX` escape of a letter of it (all of them are 0x5f-0x75).
 */
function mayHoldPrototypeKey(body: Buffer, proto: boolean, ctor: boolean): boolean {
  if (proto && body.indexOf(PROTO) !== -1) return true;
  if (ctor && body.indexOf(CONSTRUCTOR) !== -1) return true;
  let at = body.indexOf(ESCAPE);
  while (at !== -1) {
    const digit = body[at + 4];
    if (digit === 0x35 || digit === 0x36 || digit === 0x37) return true;
    at = body.indexOf(ESCAPE, at + 4);
  }
  return false;
}

function hasBom(body: Buffer): boolean {
  return body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
}

let parseBytes: ((input: Uint8Array) => unknown) | undefined;
function jsonParse(body: Buffer): unknown {
  // The json helpers (and through them the native addon) load at the first body, not at start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parseBytes ??= (require('../json') as typeof import('../json')).parse as (input: Uint8Array) => unknown;
  return parseBytes(body);
}

function makeParser(original: BodyParser, invalidBody: ErrorClass, onProto: unknown, onConstructor: unknown, state: IntegrationState): BodyParser {
  // secure-json-parse's defaults when fastify passes undefined.
  const checkProto = (onProto || 'error') !== 'ignore';
  const checkConstructor = (onConstructor || 'error') !== 'ignore';
  return function defaultJsonParser(req: unknown, body: string | Buffer, done: Done): void {
    if (typeof body === 'string' || body.length === 0 || hasBom(body) || ((checkProto || checkConstructor) && mayHoldPrototypeKey(body, checkProto, checkConstructor))) {
      state.original++;
      original(req, typeof body === 'string' ? body : body.toString('utf8'), done);
      return;
    }
    state.bytes++;
    // As secure-json-parse does: no stack trace for a SyntaxError nobody will see.
    const { stackTraceLimit } = Error;
    Error.stackTraceLimit = 0;
    let value: unknown;
    try {
      value = jsonParse(body);
    } catch {
      Error.stackTraceLimit = stackTraceLimit;
      done(new invalidBody(), undefined);
      return;
    }
    Error.stackTraceLimit = stackTraceLimit;
    done(null, value);
  };
}

/** Wraps the ContentTypeParser constructor; returns the exports unchanged when anything looks unfamiliar. */
export function patchContentTypeParser(loaded: unknown, basedir: string, version: string | undefined, state: IntegrationState): unknown {
  if (!version || Number(version.split('.')[0]) !== 5) {
    state.leftAlone(`fastify ${version ?? '(unknown version)'} is not supported (${SUPPORTED}); its own parser runs`);
    return loaded;
  }
  let kDefaultJsonParse: symbol | undefined;
  let invalidBody: ErrorClass | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    kDefaultJsonParse = (require(path.join(basedir, 'lib', 'symbols.js')) as Record<string, unknown>).kDefaultJsonParse as symbol;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    invalidBody = (require(path.join(basedir, 'lib', 'errors.js')) as Record<string, unknown>).FST_ERR_CTP_INVALID_JSON_BODY as ErrorClass;
  } catch {
    // handled below
  }
  if (typeof loaded !== 'function' || typeof kDefaultJsonParse !== 'symbol' || typeof invalidBody !== 'function') {
    state.leftAlone(`fastify ${version}: content-type-parser.js does not have the expected shape; its own parser runs`);
    return loaded;
  }
  const Original = loaded as new (...args: unknown[]) => ContentTypeParserInstance;
  const key = kDefaultJsonParse;
  const errorClass = invalidBody;
  function ContentTypeParser(this: unknown, ...args: unknown[]): ContentTypeParserInstance {
    const instance = new Original(...args);
    const parser = instance.customParsers?.get('application/json');
    const original = instance[key] as BodyParser | undefined;
    // Only the untouched default: asString, fastify's own function, registered under its symbol.
    if (parser && typeof original === 'function' && parser.fn === original && parser.asString === true && parser.asBuffer === false) {
      const replacement = makeParser(original, errorClass, args[1], args[2], state);
      // existingParser() compares with this symbol to let users replace the default parser.
      instance[key] = replacement;
      parser.fn = replacement;
      parser.asString = false;
      parser.asBuffer = true;
      state.instances++;
    }
    return instance;
  }
  const descriptors = Object.getOwnPropertyDescriptors(Original) as Record<string | symbol, PropertyDescriptor>;
  delete descriptors.prototype;
  Object.defineProperties(ContentTypeParser, descriptors);
  ContentTypeParser.prototype = Original.prototype;
  state.patched(`fastify ${version}`);
  return ContentTypeParser;
}
