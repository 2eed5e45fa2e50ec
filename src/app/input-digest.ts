// The digest of a continue input that an advance records, so a replay can tell whether its input differs (§6.2).
// Advances record 128 bits (32 hex digits, 22 characters packed); ones recorded before record all 256. A replay
// compares the same number of leading digits of its own SHA-256 as the recorded digest holds.

const RECORDED_HEX_DIGITS = 32;

/** What an advance records of the input's SHA-256 (hex): its first 128 bits. */
export function recordedInputDigest(sha256: string): string {
  return sha256.slice(0, RECORDED_HEX_DIGITS);
}

/** Whether a recorded digest (of 128 or 256 bits) is the digest of the input whose SHA-256 (hex) is `sha256`. */
export function sameInputDigest(recorded: string, sha256: string): boolean {
  return recorded.length >= RECORDED_HEX_DIGITS && recorded === sha256.slice(0, recorded.length);
}
