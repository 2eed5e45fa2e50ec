// Which `workrail` argument lists start the server. Kept apart so bin/workrail.mjs can decide without loading either
// the CLI or the server.

const SERVE_FLAGS = ['--http', '--port', '--host'];

/** True for the argument lists that start the server: none at all, or serve flags first. */
export function isServeInvocation(argv: readonly string[]): boolean {
  const first = argv[0];
  return first === undefined || SERVE_FLAGS.some((flag) => first === flag || first.startsWith(`${flag}=`));
}
