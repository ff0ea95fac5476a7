/**
 * Proto enum values as a request carries them: proto-loader (enums: String) gives the name of a declared
 * value and passes an undeclared number through as a number (e.g. kind = 99). `enumName` takes the generated
 * enum object (src/gen, names in declaration order, numbered 0, 1, 2, ... as all of ours are) and returns the
 * name, or throws INVALID_ARGUMENT naming the field; unset is the first (UNSPECIFIED) value.
 */
import { echo, InvalidArgumentError } from '../errors.js';

export function enumName<E extends Record<string, string>>(v: string | number | null | undefined, values: E, field: string): E[keyof E] {
  const names = Object.values(values) as E[keyof E][];
  if (v === undefined || v === null || v === '') return names[0]!;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < names.length) return names[v]!;
  if (typeof v === 'string' && (names as string[]).includes(v)) return v as E[keyof E];
  throw new InvalidArgumentError(`${field}: unknown value ${typeof v === 'string' ? echo(v) : String(v)} (one of ${names.join(', ')})`, { field });
}
