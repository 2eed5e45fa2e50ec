// `~/.workrail/.env` (docs/worktrain.md §2.2): dotenv syntax, keys already in the environment win, and every value
// is a secret for redaction.
import { readFileSync, statSync } from 'node:fs';

export type Env = { readonly [name: string]: string | undefined };

export interface LoadedEnvFile {
  /** The process environment overlaid with `.env` values for keys it does not set. */
  readonly env: Env;
  /** Every value read from the file (redacted wherever it would appear). */
  readonly secrets: readonly string[];
  readonly warnings: readonly string[];
}

/** Reads `file` if it exists; a missing file yields the environment unchanged. */
export function loadEnvFile(file: string, env: Env): LoadedEnvFile {
  let text: string;
  const warnings: string[] = [];
  try {
    text = readFileSync(file, 'utf8');
    if ((statSync(file).mode & 0o077) !== 0) {
      warnings.push(`${file} is readable by other users; run: chmod 600 ${file}`);
    }
  } catch {
    return { env, secrets: [], warnings };
  }
  const parsed = parseDotEnv(text);
  const merged: Record<string, string | undefined> = { ...env };
  for (const [key, value] of Object.entries(parsed)) {
    if (merged[key] === undefined) merged[key] = value;
  }
  return { env: merged, secrets: Object.values(parsed).filter((value) => value !== ''), warnings };
}

/** `KEY=VALUE` lines, `#` comments, optional `export `, matching quotes stripped. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (match === null) continue;
    let value = match[2] ?? '';
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[match[1] as string] = value;
  }
  return out;
}
