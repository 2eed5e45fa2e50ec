/** Entry point of the `workrail` binary. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  process.stderr.write(`workrail: not built yet (${argv.join(' ')})\n`);
  return 2;
}
