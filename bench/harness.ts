// The benchmark harness: a module is a named list of cases; run.ts measures each case and prints the figures.

export interface BenchCase {
  readonly name: string;
  /** Human-readable goal, e.g. "< 5 ms" (median) or "p50 <= 2 ms, p95 <= 5 ms". */
  readonly target?: string;
  /** The median must stay below it. */
  readonly targetMs?: number;
  /** The p95 must stay below it as well. */
  readonly p95TargetMs?: number;
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
  /** Every target given (median, p95) is met. */
  readonly withinTarget?: boolean;
  /** Present when the case has a p95 target. */
  readonly p95WithinTarget?: boolean;
}

/** Runs `warmup` unmeasured calls, then `iterations` timed ones; reports median, p95, min and max against the targets. */
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
  const p95Ms = at(0.95);
  const checks = [
    benchCase.targetMs === undefined ? undefined : medianMs < benchCase.targetMs,
    benchCase.p95TargetMs === undefined ? undefined : p95Ms < benchCase.p95TargetMs,
  ];
  const made = checks.filter((check) => check !== undefined);
  return {
    module: moduleName,
    case: benchCase.name,
    iterations: benchCase.iterations,
    medianMs,
    p95Ms,
    minMs: round(samples[0] ?? 0),
    maxMs: round(samples[samples.length - 1] ?? 0),
    ...(benchCase.target === undefined ? {} : { target: benchCase.target }),
    ...(made.length === 0 ? {} : { withinTarget: made.every(Boolean) }),
    ...(checks[1] === undefined ? {} : { p95WithinTarget: checks[1] }),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
