// Redaction (docs/worktrain.md §11): every secret the daemon holds becomes `[REDACTED]` in logs, events, API
// answers and tool output.

export interface Redactor {
  (text: string): string;
  /** Adds secrets (values shorter than 4 characters are ignored: they would redact ordinary words). */
  add(...secrets: readonly (string | undefined)[]): void;
  /** Every secret held, for the delivery secret scan (§8.3), which looks for their exact values. */
  secrets(): readonly string[];
}

export function createRedactor(initial: readonly (string | undefined)[] = []): Redactor {
  let secrets: string[] = [];
  const redact = ((text: string) => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  }) as Redactor;
  redact.add = (...more) => {
    const next = new Set(secrets);
    for (const secret of more) if (secret !== undefined && secret.length >= 4) next.add(secret);
    secrets = [...next].sort((a, b) => b.length - a.length);
  };
  redact.secrets = () => secrets;
  redact.add(...initial);
  return redact;
}

/** Redacts a JSON-able value by redacting its serialisation. */
export function redactValue<T>(redact: Redactor, value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
