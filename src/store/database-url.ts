// The PostgreSQL URL of WORKRAIL_DATABASE_URL / --database-url: recognised, checked and shown without its password.
// Kept free of driver imports so the MCP server can check it before anything loads.

/** True for the URLs the PostgreSQL store accepts: `postgres://…` or `postgresql://…`. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url.trim());
}

/** Null for a usable PostgreSQL URL, else what is wrong with it, naming where it came from (password hidden). */
export function databaseUrlProblem(url: string, source: string): string | null {
  if (isPostgresUrl(url) && URL.canParse(url.trim())) return null;
  return (
    `${source} must be a PostgreSQL URL such as postgres://user:password@host:5432/database ` +
    `(or unset, for the embedded SQLite store); got "${redactDatabaseUrl(url)}".`
  );
}

/** `postgres://user:***@host/db`: the URL with its password (user-info or `password` parameter) hidden. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
