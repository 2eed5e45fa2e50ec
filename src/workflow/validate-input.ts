// Turns validator input (JSON text or an already-parsed value) into a JSON value that is safe to validate:
// at most 1 MiB (rule document-size), syntactically valid (json-syntax, with line and column), plain JSON,
// and nested at most MAX_DEPTH levels so no later step can exhaust the stack.

import { isRecord, jsonTypeOf } from './schema-primitives.js';
import type { LocatedIssue } from './validate-issues.js';

export const MAX_DOCUMENT_BYTES = 1024 * 1024;
const MAX_DEPTH = 128;
/** No 1 MiB document has more values; bounds the walk over shared references in parsed input. */
const MAX_VALUES = 1_000_000;

type LoadedInput =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: LocatedIssue[] };

function fail(rule: string, message: string, segments: readonly (string | number)[] = []): LoadedInput {
  return { ok: false, issues: [{ segments, rule, message }] };
}

function tooLarge(bytes: number | undefined): LoadedInput {
  const size = bytes === undefined ? 'more than that' : `${bytes} bytes`;
  return fail(
    'document-size',
    `The document must be at most 1 MiB (${MAX_DOCUMENT_BYTES} bytes) of UTF-8; got ${size}`,
  );
}

function tooDeep(): LoadedInput {
  return fail('document-size', `The document nests values more than ${MAX_DEPTH} levels deep; flatten it`);
}

/** UTF-8 byte length of a string that contains no lone surrogates (lone ones count 3 bytes, as U+FFFD would). */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export function loadInput(input: unknown): LoadedInput {
  if (typeof input !== 'string') return checkValue(input, true);
  // UTF-8 needs at least one byte per UTF-16 unit, so a long string is too large without counting.
  if (input.length > MAX_DOCUMENT_BYTES) return tooLarge(undefined);
  const bytes = utf8Bytes(input);
  if (bytes > MAX_DOCUMENT_BYTES) return tooLarge(bytes);
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof RangeError) return tooDeep();
    if (error instanceof SyntaxError) return syntaxIssue(text);
    throw error;
  }
  return checkValue(value, false);
}

function syntaxIssue(text: string): LoadedInput {
  const offset = syntaxErrorOffset(text);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const found =
    offset >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[offset])}`;
  return fail('json-syntax', `Invalid JSON at line ${line}, column ${offset - lineStart + 1}: ${found}`);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;
const LITERALS = ['true', 'false', 'null'];

/** Offset of the first JSON syntax error in `text` (iterative, so deep nesting cannot overflow the stack). */
function syntaxErrorOffset(text: string): number {
  const n = text.length;
  const stack: string[] = [];
  let i = 0;
  let state: 'value' | 'key' | 'after' = 'value';
  const skipSpace = () => {
    while (i < n && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): boolean => {
    i++;
    while (i < n) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        ESCAPE.lastIndex = i + 1;
        if (!ESCAPE.test(text)) return false;
        i = ESCAPE.lastIndex;
      } else i++;
    }
    return false;
  };
  for (;;) {
    skipSpace();
    if (state === 'after') {
      const open = stack.at(-1);
      if (open === undefined) return i;
      if (text[i] === ',') {
        i++;
        state = open === '{' ? 'key' : 'value';
      } else if (text[i] === (open === '{' ? '}' : ']')) {
        i++;
        stack.pop();
      } else return i;
      continue;
    }
    if (i >= n) return n;
    const char = text[i]!;
    if (state === 'key') {
      if (char !== '"' || !readString()) return i;
      skipSpace();
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
    } else if (char === '{' || char === '[') {
      stack.push(char);
      i++;
      skipSpace();
      if (text[i] === (char === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        state = 'after';
      } else state = char === '{' ? 'key' : 'value';
    } else if (char === '"') {
      if (!readString()) return i;
      state = 'after';
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return i;
      i = NUMBER.lastIndex;
      state = 'after';
    } else {
      const literal = LITERALS.find((word) => text.startsWith(word, i));
      if (literal === undefined) return i;
      i += literal.length;
      state = 'after';
    }
  }
}

interface Frame {
  readonly value: unknown;
  readonly depth: number;
  readonly parent?: Frame;
  readonly key?: string | number;
}

function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}

/**
 * Checks that a value is plain JSON of bounded depth and, when `measure` is set, that its canonical JSON
 * (RFC 8785: no whitespace, so its size does not depend on key order) is at most 1 MiB.
 */
function checkValue(root: unknown, measure: boolean): LoadedInput {
  const stack: Frame[] = [{ value: root, depth: 0 }];
  let bytes = 0;
  let count = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value, depth } = frame;
    if (++count > MAX_VALUES) return tooLarge(undefined);
    if (depth > MAX_DEPTH) return tooDeep();
    if (typeof value === 'string') {
      if (measure) bytes += jsonStringBytes(value);
    } else if (value === null || typeof value === 'boolean') {
      bytes += value === false ? 5 : 4;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value))
        return fail('type', `Value must be a finite JSON number; got ${value}`, pathOf(frame));
      if (measure) bytes += String(value).length;
    } else if (Array.isArray(value)) {
      bytes += 2 + Math.max(0, value.length - 1);
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (item === undefined)
          return fail('type', 'Array items must be JSON values; got undefined', [...pathOf(frame), i]);
        stack.push({ value: item, depth: depth + 1, parent: frame, key: i });
      }
    } else if (isRecord(value) && isPlain(value)) {
      let members = 0;
      for (const key in value) {
        const member = value[key];
        if (member === undefined || !Object.hasOwn(value, key)) continue;
        if (key === '__proto__') {
          return fail('unknown-field', 'The key "__proto__" is not allowed anywhere in a workflow; remove it', [
            ...pathOf(frame),
            key,
          ]);
        }
        members++;
        if (measure) bytes += jsonStringBytes(key) + 1;
        stack.push({ value: member, depth: depth + 1, parent: frame, key });
      }
      bytes += 2 + Math.max(0, members - 1);
    } else {
      return fail('type', `Value must be plain JSON; got ${jsonTypeOf(value)}`, pathOf(frame));
    }
    if (measure && bytes > MAX_DOCUMENT_BYTES) return tooLarge(undefined);
  }
  return { ok: true, value: root };
}

/** UTF-8 size of `JSON.stringify(text)`: quotes, two-character and \uXXXX escapes, lone surrogates escaped. */
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20) bytes += code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 2 : 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6;
    } else bytes += 3;
  }
  return bytes;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
