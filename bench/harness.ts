// The benchmark harness: a module is a named list of cases; run.ts measures each case and prints the figures.

export interface BenchCase {
  readonly name: string;
  /** Human-readable goal, e.g. "< 5 ms" (median). */
  readonly target?: string;
  readonly targetMs?: number;
  readonly iterations: number;
  readonly warmup?: number;
  /** One measured call; it may return a promise, which is awaited inside the timing. */
  readonly run: () => unknown;
  /** The case times itself (a page load measured inside the browser): `run` resolves to its own figure in ms. */
  readonly selfTimed?: boolean;
  readonly teardown?: () => unknown;
}

export interface BenchModule {
  readonly name: string;
  /** Builds the cases (and their fixtures) right before they run. */
  readonly cases: () => readonly BenchCase[];
}

export interface BenchResult {
  readonly module: string;
  readonly case: string;
  readonly iterations: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly target?: string;
  readonly withinTarget?: boolean;
}

/** Runs `warmup` unmeasured calls, then `iterations` timed ones; reports median, p95, min and max. */
export async function measure(moduleName: string, benchCase: BenchCase): Promise<BenchResult> {
  for (let i = 0; i < (benchCase.warmup ?? 0); i++) await benchCase.run();
  const samples: number[] = [];
  for (let i = 0; i < benchCase.iterations; i++) {
    const start = performance.now();
    let own = benchCase.run();
    // A synchronous case is timed without an await in between; an async one is awaited inside the timing.
    if (own instanceof Promise) own = await own;
    const elapsed = performance.now() - start;
    samples.push(benchCase.selfTimed === true ? Number(own) : elapsed);
  }
  await benchCase.teardown?.();
  samples.sort((a, b) => a - b);
  const at = (q: number) => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0);
  const medianMs = at(0.5);
  return {
    module: moduleName,
    case: benchCase.name,
    iterations: benchCase.iterations,
    medianMs,
    p95Ms: at(0.95),
    minMs: round(samples[0] ?? 0),
    maxMs: round(samples[samples.length - 1] ?? 0),
    ...(benchCase.target === undefined ? {} : { target: benchCase.target }),
    ...(benchCase.targetMs === undefined ? {} : { withinTarget: medianMs < benchCase.targetMs }),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
