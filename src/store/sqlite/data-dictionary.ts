// How event data is packed into `events.data` (schema 8): the same JSON with the field names of the §10 events
// replaced by one-letter codes, and long lowercase hex strings (digests) written as base64url. The mapping is
// context-free (every key and string is packed the same way wherever it sits), so any subtree unpacks on its own
// (a node's state, a context) and SQL reaches a field through `dataPath`. Packing keeps key order: codes are
// letters, never integer-like keys that JavaScript would move to the front.
// - a key in DATA_KEYS becomes its code; a user key that is itself one letter, or starts with `~`, gets a `~` prefix;
// - a string of 16+ lowercase hex digits (even length) becomes `~h` + base64url, one starting with `attempt_` becomes
//   `~a` + the rest (schema 12), a value in DATA_VALUES becomes `~` + its code (schema 14); a string starting with `~`
//   gets a `~` prefix.

/**
 * Append-only: a key's code is the letter at its index in CODE_LETTERS. `nodeId` and `state` were spelled out until
 * schema 19; a row written before still unpacks, as a key that is not one letter stands for itself.
 */
const DATA_KEYS = [
  'fromNodeId',
  'toNodeId',
  'attemptId',
  'kind',
  'nodeKind',
  'parentNodeId',
  'pendingStepId',
  'cursor',
  'loop',
  'loopId',
  'iteration',
  'bodyIndex',
  'count',
  'itemsLength',
  'completedCount',
  'gate',
  'stepId',
  'gateKind',
  'edgeKind',
  'cause',
  'outcome',
  'response',
  'inputDigest',
  'digest',
  'blockers',
  'code',
  'pointer',
  'message',
  'channel',
  'notesMarkdown',
  'artifact',
  'entries',
  'reason',
  'context',
  'source',
  'workflowHash',
  'checkpointNodeId',
  'finalNodeId',
  'durationMs',
  'git',
  'startSha',
  'endSha',
  'branch',
  'commitShas',
  'valid',
  'issues',
  'suggestions',
  'contractRef',
  'key',
  'value',
  'nodeId',
  'state',
] as const;
const CODE_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Append-only: the values of the §10 event enums (node and edge kinds, causes, outcomes, channels, trace entry kinds,
 * engine state kinds), each packed as `~` + the character at its index in VALUE_LETTERS (schema 14).
 */
const DATA_VALUES = [
  'step',
  'blocked_attempt',
  'checkpoint',
  'gate_checkpoint',
  'advance',
  'fork',
  'retry',
  'gate',
  'advanced',
  'blocked',
  'gated',
  'notes',
  'artifact',
  'initial',
  'agent_delta',
  'selected_step',
  'skipped_step',
  'entered_loop',
  'iteration_started',
  'exited_loop',
  'fork_detected',
  'pending',
  'complete',
] as const;
const VALUE_LETTERS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VALUE_CODE_OF = new Map<string, string>(DATA_VALUES.map((value, i) => [value, `~${VALUE_LETTERS[i]!}`]));
const VALUE_OF = new Map<string, string>(DATA_VALUES.map((value, i) => [`~${VALUE_LETTERS[i]!}`, value]));

const CODE_OF = new Map<string, string>(DATA_KEYS.map((key, i) => [key, CODE_LETTERS[i]!]));
const KEY_OF = new Map<string, string>(DATA_KEYS.map((key, i) => [CODE_LETTERS[i]!, key]));
const HEX = /^(?:[0-9a-f]{2}){8,}$/;

/** A packed enum value as a SQL string literal, for comparing with a field that SQL reads from packed data. */
export function dataValue(value: (typeof DATA_VALUES)[number]): string {
  return `'${VALUE_CODE_OF.get(value)!}'`;
}

/** A field name of the §10 event data that SQL may reach. */
export type DataKey = (typeof DATA_KEYS)[number];

/** The JSON path (`$.a.b`) of a field inside packed data. */
export function dataPath(...keys: DataKey[]): string {
  return `$.${keys.map((key) => CODE_OF.get(key) ?? key).join('.')}`;
}

/** `spelled`: keys left as they are (the migrations before schema 19 pack as their schemas did: SPELLED_BEFORE_19). */
export function packJson(value: unknown, spelled?: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return packString(value);
  if (Array.isArray(value)) return value.map((item) => packJson(item, spelled));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    setOwn(out, spelled?.has(key) ? key : packKey(key), packJson(field, spelled));
  }
  return out;
}

/** The keys schemas 8 to 18 spelled out; their migrations' SQL reads them by these names. */
export const SPELLED_BEFORE_19: ReadonlySet<string> = new Set(['nodeId', 'state']);

export function unpackJson(value: unknown): unknown {
  if (typeof value === 'string') return unpackString(value);
  if (Array.isArray(value)) return value.map(unpackJson);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) setOwn(out, unpackKey(key), unpackJson(field));
  return out;
}

export function unpackString(value: string): string {
  if (value[0] !== '~') return value;
  if (value[1] === '~') return value.slice(1);
  if (value[1] === 'a') return `attempt_${value.slice(2)}`;
  if (value[1] === 'h') return Buffer.from(value.slice(2), 'base64url').toString('hex');
  const known = value.length === 2 ? VALUE_OF.get(value) : undefined;
  if (known !== undefined) return known;
  throw new Error(`packed event data holds an unknown string form ${JSON.stringify(value.slice(0, 8))}`);
}

function packString(value: string): string {
  if (value[0] === '~') return `~${value}`;
  const known = VALUE_CODE_OF.get(value);
  if (known !== undefined) return known;
  if (value.startsWith('attempt_')) return `~a${value.slice(8)}`;
  if (value.length >= 16 && HEX.test(value)) return `~h${Buffer.from(value, 'hex').toString('base64url')}`;
  return value;
}

function packKey(key: string): string {
  const code = CODE_OF.get(key);
  if (code !== undefined) return code;
  if (key[0] === '~' || (key.length === 1 && CODE_LETTERS.includes(key))) return `~${key}`;
  return key;
}

function unpackKey(key: string): string {
  if (key[0] === '~') return key.slice(1);
  if (key.length !== 1 || !CODE_LETTERS.includes(key)) return key;
  const name = KEY_OF.get(key);
  if (name === undefined) throw new Error(`packed event data holds an unknown key code ${JSON.stringify(key)}`);
  return name;
}

/** `__proto__` is a plain key in JSON; assignment would set the prototype instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true });
  else target[key] = value;
}
