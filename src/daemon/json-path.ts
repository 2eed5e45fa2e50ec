// The JSON paths of goalTemplate, contextMapping and dispatchCondition: `$.a.b[0].c` or `a.b`.

/** The value at `expression` in `root`, or undefined when any segment is missing. */
export function readJsonPath(root: unknown, expression: string): unknown {
  const body = expression.trim().replace(/^\$\.?/, '');
  if (body === '') return root;
  const segments: (string | number)[] = [];
  for (const part of body.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (match === null) return undefined;
    if (match[1] !== '') segments.push(match[1] as string);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number' && !Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current as object, segment)) return undefined;
    current = (current as { [key: string]: unknown })[segment];
  }
  return current;
}

export type GoalResult = { readonly ok: true; readonly goal: string } | { readonly ok: false; readonly token: string };

const TOKEN = /\{\{\s*([^}]+?)\s*\}\}/g;

/** Fills `{{$.path}}` tokens; strings as is, numbers/booleans as text, objects compact JSON. */
export function fillTemplate(template: string, payload: unknown): GoalResult {
  let missing: string | null = null;
  const goal = template.replace(TOKEN, (token, expression: string) => {
    const value = readJsonPath(payload, expression);
    if (value === undefined || value === null) {
      missing ??= token;
      return token;
    }
    return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
  return missing === null ? { ok: true, goal } : { ok: false, token: missing };
}
