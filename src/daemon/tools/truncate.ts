import { DEFAULTS } from '../defaults.js';

/** Keeps the head and tail of `text` with a marker naming how much of the middle was cut. */
export function truncateMiddle(text: string, max: number = DEFAULTS.toolResultMaxChars): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 80) / 2);
  const cut = text.length - 2 * keep;
  return `${text.slice(0, keep)}\n[... truncated ${cut} characters ...]\n${text.slice(text.length - keep)}`;
}
