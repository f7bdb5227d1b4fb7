/**
 * The builtin JSON.parse, captured before any patch: the reference every native path falls back
 * to. Shared through globalThis so a second copy of the package (or a copy loaded after the
 * router was installed) still reaches V8's own function, never another router.
 */
const KEY = Symbol.for('afterburner.json.builtinParse');
const holder = globalThis as unknown as Record<symbol, typeof JSON.parse | undefined>;

export const builtinParse: typeof JSON.parse = (holder[KEY] ??= JSON.parse);
