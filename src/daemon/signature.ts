// Webhook signatures (docs/worktrain.md §5.3): HMAC-SHA256 of the raw body, hex, from `X-WorkRail-Signature`
// (`sha256=` optional) or GitHub's `X-Hub-Signature-256`; GitLab's `X-Gitlab-Token` is the secret itself. Bytes are
// compared in constant time; a length mismatch fails.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function verifySignature(
  secret: string,
  body: Uint8Array,
  headers: { get(name: string): string | null | undefined },
): boolean {
  const given = headers.get('x-workrail-signature') ?? headers.get('x-hub-signature-256');
  if (given !== null && given !== undefined) {
    const hex = given.trim().replace(/^sha256=/i, '');
    if (!/^[0-9a-fA-F]+$/.test(hex)) return false;
    const expected = createHmac('sha256', secret).update(body).digest();
    const actual = Buffer.from(hex, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  const token = headers.get('x-gitlab-token');
  if (token === null || token === undefined) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The `X-WorkRail-Signature` value a sender puts on `body`. */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
