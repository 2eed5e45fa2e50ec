// `$NAME` / `${NAME}` substitution in triggers.yml string values (docs/worktrain.md §3.2). `$$` is a literal `$`;
// `{{$.issue.title}}` and `$5` are untouched because `.` and digits cannot start a name.
import type { Env } from './env-file.js';

export type SubstituteResult =
  | { readonly ok: true; readonly value: string; readonly used: readonly string[] }
  | { readonly ok: false; readonly missing: string };

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Replaces variables in `text`; an unset or empty variable fails with its name. */
export function substituteVariables(text: string, env: Env): SubstituteResult {
  let missing: string | null = null;
  const used: string[] = [];
  const value = text.replace(VARIABLE, (token, braced: string | undefined, bare: string | undefined) => {
    if (token === '$$') return '$';
    const name = (braced ?? bare) as string;
    const found = env[name];
    if (found === undefined || found === '') {
      missing ??= name;
      return token;
    }
    used.push(found);
    return found;
  });
  return missing === null ? { ok: true, value, used } : { ok: false, missing };
}
