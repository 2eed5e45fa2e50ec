// Computed values reused for `ttlMs` per key, at most `limit` keys (the least recently computed goes first). Used
// where a long-running server may reuse a disk scan briefly: the workflow catalog and a workspace's git dirs.

export interface TtlCache<V> {
  /** The value computed for `key` less than `ttlMs` ago, else `compute()` (stored); `refresh` forces a compute. */
  get(key: string, compute: () => V, refresh?: boolean): V;
  clear(): void;
}

export function createTtlCache<V>(options: {
  readonly ttlMs: number;
  readonly limit: number;
  /** Monotonic ms; default `performance.now`. */
  readonly now?: () => number;
}): TtlCache<V> {
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, { readonly atMs: number; readonly value: V }>();
  return {
    get(key, compute, refresh = false) {
      const cached = entries.get(key);
      if (!refresh && cached !== undefined && now() - cached.atMs < options.ttlMs) return cached.value;
      const value = compute();
      entries.delete(key);
      if (entries.size >= options.limit) entries.delete(entries.keys().next().value as string);
      entries.set(key, { atMs: now(), value });
      return value;
    },
    clear: () => entries.clear(),
  };
}
