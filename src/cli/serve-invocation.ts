// Which `workrail` argument lists start the server. Kept apart so bin/workrail.mjs can decide without loading either
// the CLI or the server.

const SERVE_FLAGS = ['--http', '--port', '--host'];
const DATABASE_URL_FLAG = '--database-url';

/**
 * True for the argument lists that start the server: none at all, or serve flags first. A leading
 * `--database-url <url>` (global to every command) does not decide: `workrail --database-url <url>` serves,
 * `workrail --database-url <url> sessions` does not.
 */
export function isServeInvocation(argv: readonly string[]): boolean {
  let rest = argv;
  while (rest[0] === DATABASE_URL_FLAG || rest[0]?.startsWith(`${DATABASE_URL_FLAG}=`)) {
    rest = rest.slice(rest[0] === DATABASE_URL_FLAG ? 2 : 1);
  }
  const first = rest[0];
  return first === undefined || SERVE_FLAGS.some((flag) => first === flag || first.startsWith(`${flag}=`));
}
