/**
 * Shared helpers for `npm run bench`: latency statistics and the printed tables. Every
 * benchmark names its baseline, and every table shows median and p99 with a ratio to it.
 */
export interface LatencySummary {
  count: number;
  p50Micros: number;
  p99Micros: number;
  perSecond: number;
}

/** Summarises per-operation latencies (in microseconds) measured over `elapsedMs`. */
export function summarize(latenciesMicros: number[], elapsedMs: number): LatencySummary {
  const sorted = Float64Array.from(latenciesMicros).sort();
  const at = (q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return {
    count: sorted.length,
    p50Micros: at(0.5),
    p99Micros: at(0.99),
    perSecond: elapsedMs > 0 ? (sorted.length * 1000) / elapsedMs : NaN,
  };
}

/** Runs `operation` with `concurrency` callers until `durationMs` passes; returns per-call latencies. */
export async function measure(operation: () => Promise<unknown>, options: { concurrency: number; durationMs: number; warmupMs?: number }): Promise<LatencySummary> {
  const warmupEnd = Date.now() + (options.warmupMs ?? 500);
  const latencies: number[] = [];
  let started = 0;
  let end = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < warmupEnd) await operation();
    if (started === 0) {
      started = Date.now();
      end = started + options.durationMs;
    }
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      await operation();
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return summarize(latencies, options.durationMs);
}

/** Times a synchronous operation, for in-process engine baselines. */
export function measureSync(operation: () => unknown, durationMs: number): LatencySummary {
  for (const warmEnd = Date.now() + 300; Date.now() < warmEnd; ) operation();
  const latencies: number[] = [];
  const started = Date.now();
  while (Date.now() - started < durationMs) {
    const t0 = process.hrtime.bigint();
    operation();
    latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return summarize(latencies, Date.now() - started);
}

export interface TableRow {
  name: string;
  summary: LatencySummary;
}

/** Prints rows with ops/s, p50, p99 and the throughput ratio to the named baseline row. */
export function printTable(title: string, baseline: string, rows: TableRow[]): string {
  const base = rows.find((r) => r.name === baseline)?.summary.perSecond ?? NaN;
  const lines = [
    `### ${title}`,
    '',
    `| case | ops/s | p50 µs | p99 µs | throughput vs ${baseline} |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      ({ name, summary }) =>
        `| ${name} | ${fmt(summary.perSecond, 0)} | ${fmt(summary.p50Micros, 0)} | ${fmt(summary.p99Micros, 0)} | ${fmt(summary.perSecond / base, 2)}x |`,
    ),
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text + '\n');
  return text;
}

export function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
}
