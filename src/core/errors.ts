/**
 * Every argument error the public API throws has the same shape, so callers can rely on the
 * type (TypeError or RangeError) and on a message that names the parameter and what it got.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return `object ${(value as object).constructor?.name ?? 'Object'}`;
  return typeof value;
}

export function invalidParameterError(name: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`afterburner: expected ${expected} for ${name} but received ${describe(actual)}`);
}

export function outOfRangeError(name: string, expected: string, actual: unknown): RangeError {
  return new RangeError(`afterburner: expected ${expected} for ${name} but received ${describe(actual)}`);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
