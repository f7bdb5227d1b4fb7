/**
 * body-parser 2 (`express.json()`, `bodyParser.json()`): its `read()` has raw-body decode the
 * body to a string (iconv-lite, UTF-8 by default) and then calls the json middleware's `parse`.
 * The integration keeps body-parser's whole pipeline (type check, charset check, inflate, limit,
 * length, error creation) and changes one thing for UTF-8 bodies: `read()` runs with
 * `skipCharset`, so raw-body hands over the Buffer, and a parse step in front of the middleware's
 * own parses that Buffer with `json.parse(Buffer)`.
 *
 * Exactness: the charset is checked here exactly as `read()` would (only `utf-8`, the one charset
 * body-parser's json accepts, takes the new path; everything else runs the original `read()` with
 * its own 415). A body that is empty, starts with a byte-order mark (iconv-lite strips it), does
 * not start with `{` or `[` in strict mode, or fails to parse goes to the middleware's own parse
 * with the string iconv-lite decodes (same decoder, same result as raw-body's streaming decode),
 * so its result or its SyntaxError (message and properties) are body-parser's own; the error's
 * `body` property, which `read()` fills from what it passed to parse, is set back to that string.
 * Middlewares with a `reviver` (the builtin runs it anyway) or a `verify` (which receives the
 * charset) are left to body-parser entirely.
 *
 * Hooked: `body-parser/lib/read.js` (wrapped before json.js captures it) and
 * `body-parser/lib/types/json.js` (the factory, to know each middleware's options).
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { IntegrationState } from './state';

export const SUPPORTED = '2.x';

type Next = (err?: unknown) => void;
type Parse = (body: string | Buffer, encoding?: string | null) => unknown;
type Read = (req: Request, res: unknown, next: Next, parse: Parse, debug: unknown, options: ReadOptions) => unknown;
interface Request {
  headers: Record<string, string | string[] | undefined>;
}
interface ReadOptions {
  defaultCharset?: string;
  skipCharset?: boolean;
  verify?: unknown;
  [key: string]: unknown;
}
interface Middleware {
  strict: boolean;
}

let parseBytes: ((input: Uint8Array) => unknown) | undefined;
function jsonParse(body: Buffer): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parseBytes ??= (require('../json') as typeof import('../json')).parse as (input: Uint8Array) => unknown;
  return parseBytes(body);
}

function firstNonWhitespace(body: Buffer): number {
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}

interface Loaded {
  decode: (body: Buffer) => string;
  charsetOf: (header: string) => string | undefined;
}

/** The pieces of body-parser's own dependencies the integration needs, from body-parser's directory. */
function dependencies(basedir: string): Loaded | undefined {
  try {
    const requireFrom = createRequire(path.join(basedir, 'lib', 'read.js'));
    const iconv = requireFrom('iconv-lite') as { decode(body: Buffer, encoding: string): string };
    const contentType = requireFrom('content-type') as { parse(header: string): { parameters: Record<string, string | undefined> } };
    if (typeof iconv.decode !== 'function' || typeof contentType.parse !== 'function') return undefined;
    return {
      decode: (body) => iconv.decode(body, 'utf-8'),
      charsetOf: (header) => contentType.parse(header).parameters.charset?.toLowerCase(),
    };
  } catch {
    return undefined;
  }
}

export class BodyParserIntegration {
  private pending: Middleware | undefined;
  private deps: Loaded | undefined;
  private readonly bytesOptions = new WeakMap<ReadOptions, ReadOptions>();
  private readonly bytesParsers = new WeakMap<Parse, Parse>();
  // Errors thrown by the middleware's own parse on our path, with the string read() would have put in err.body.
  private readonly failed = new WeakMap<object, string>();
  private supported = false;

  constructor(private readonly state: IntegrationState) {}

  private checkVersion(basedir: string, version: string | undefined): boolean {
    if (!version || Number(version.split('.')[0]) !== 2) {
      this.state.leftAlone(`body-parser ${version ?? '(unknown version)'} is not supported (${SUPPORTED}); its own parser runs`);
      return false;
    }
    this.deps ??= dependencies(basedir);
    if (!this.deps) {
      this.state.leftAlone(`body-parser ${version}: iconv-lite or content-type not found beside it; its own parser runs`);
      return false;
    }
    return true;
  }

  /** `lib/read.js`: required by json.js before json.js's factory can run. */
  patchRead(loaded: unknown, basedir: string, version: string | undefined): unknown {
    if (typeof loaded !== 'function' || !this.checkVersion(basedir, version)) return loaded;
    const original = loaded as Read;
    const self = this;
    this.supported = true;
    this.state.patched(`body-parser ${version}`);
    const read = function read(this: unknown, req: Request, res: unknown, next: Next, parse: Parse, debug: unknown, options: ReadOptions): unknown {
      const middleware = self.pending;
      self.pending = undefined;
      if (middleware === undefined || options === null || typeof options !== 'object' || options.skipCharset === true || options.verify) {
        return original.call(this, req, res, next, parse, debug, options);
      }
      // The charset read() would choose; anything but UTF-8 (or a header it would throw on) keeps the original path.
      const header = req.headers['content-type'];
      let charset: string | undefined;
      try {
        charset = typeof header === 'string' && header ? self.deps!.charsetOf(header) : undefined;
      } catch {
        return original.call(this, req, res, next, parse, debug, options);
      }
      if ((charset || options.defaultCharset) !== 'utf-8') return original.call(this, req, res, next, parse, debug, options);
      const failed = self.failed;
      const fixBody: Next = function (this: unknown, err?: unknown) {
        if (err !== null && typeof err === 'object' && failed.has(err)) {
          (err as { body?: unknown }).body = failed.get(err);
          failed.delete(err);
        }
        return next.apply(this, arguments as unknown as [unknown]);
      };
      return original.call(this, req, res, fixBody, self.bytesParser(parse, middleware), debug, self.bytesOptionsFor(options));
    };
    Object.defineProperty(read, 'length', { value: original.length });
    return read;
  }

  /** `lib/types/json.js`: the factory. Remembers which middleware is calling read(). */
  patchJson(loaded: unknown): unknown {
    if (typeof loaded !== 'function' || !this.supported) return loaded;
    const original = loaded as (options?: Record<string, unknown>) => (req: unknown, res: unknown, next: unknown) => unknown;
    const self = this;
    const json = function json(this: unknown, options?: Record<string, unknown>) {
      const middleware = original.call(this, options);
      if (typeof middleware !== 'function' || (options && (typeof options.reviver === 'function' || options.verify))) return middleware;
      const info: Middleware = { strict: options?.strict !== false };
      self.state.instances++;
      return function jsonParser(this: unknown, req: unknown, res: unknown, next: unknown) {
        self.pending = info;
        try {
          return middleware.call(this, req, res, next);
        } finally {
          self.pending = undefined;
        }
      };
    };
    const descriptors = Object.getOwnPropertyDescriptors(original) as Record<string | symbol, PropertyDescriptor>;
    delete descriptors.prototype;
    Object.defineProperties(json, descriptors);
    return json;
  }

  private bytesOptionsFor(options: ReadOptions): ReadOptions {
    let bytes = this.bytesOptions.get(options);
    if (!bytes) {
      // skipCharset: raw-body returns the Buffer and read() decodes nothing (the charset was checked above).
      bytes = { ...options, skipCharset: true };
      this.bytesOptions.set(options, bytes);
    }
    return bytes;
  }

  private bytesParser(parse: Parse, middleware: Middleware): Parse {
    let bytesParse = this.bytesParsers.get(parse);
    if (bytesParse) return bytesParse;
    const state = this.state;
    const decode = this.deps!.decode;
    const failed = this.failed;
    const strict = middleware.strict;
    bytesParse = function parseBytes(body: string | Buffer): unknown {
      if (typeof body !== 'string' && body.length > 0 && !(body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)) {
        const first = strict ? firstNonWhitespace(body) : 0x7b;
        if (first === 0x7b || first === 0x5b) {
          const { stackTraceLimit } = Error;
          Error.stackTraceLimit = 0;
          try {
            const value = jsonParse(body);
            state.bytes++;
            return value;
          } catch {
            // The middleware's own parse below produces body-parser's exact error.
          } finally {
            Error.stackTraceLimit = stackTraceLimit;
          }
        }
      }
      state.original++;
      const text = typeof body === 'string' ? body : decode(body);
      try {
        return parse(text, 'utf-8');
      } catch (err) {
        if (err !== null && typeof err === 'object') failed.set(err, text);
        throw err;
      }
    };
    this.bytesParsers.set(parse, bytesParse);
    return bytesParse;
  }
}
