/** Entry point of the `worktrain` binary. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  process.stderr.write(`worktrain: no commands yet (${argv.join(' ')})\n`);
  return 2;
}
