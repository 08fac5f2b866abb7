// Reading the fields of a JSON answer: a field missing or of another type is the
// same `unexpected` failure everywhere (the page says to reload and try again).

import { inBoth } from '../i18n';
import { unexpectedAnswer, type ApiError } from './error';

/** A JSON object answer, its fields not yet checked. */
export type Body = Record<string, unknown>;

/** An answer without the fields expected. */
export function malformed(): ApiError {
  return unexpectedAnswer(0, inBoth('unexpected'));
}

/** The value as an object, or null. */
export function record(value: unknown): Body | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : null;
}

/** The value as an object; else the answer is malformed. */
export function object(value: unknown): Body {
  const body = record(value);
  if (body === null) throw malformed();
  return body;
}

/** A text field that must be there. */
export function str(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw malformed();
  return value;
}

/** A number field that may be absent. */
export function num(body: Body, key: string): number | null {
  const value = body[key];
  return typeof value === 'number' ? value : null;
}

/** The texts of a list (anything else left out). */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A list of objects; else the answer is malformed. */
export function list(value: unknown): Body[] {
  if (!Array.isArray(value)) throw malformed();
  return value.map((item) => record(item) ?? {});
}
