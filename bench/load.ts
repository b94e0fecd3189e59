/**
 * The load generator: closed loop (N clients, each sending its next request when the last
 * ended: the maximum throughput) or open loop (requests sent at a fixed rate whatever the
 * answers do: the latency at a given load, without coordinated omission, since each latency
 * runs from when the request was due).
 */
import { Agent, request } from 'undici';

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Measured seconds. */
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Time to the first byte of the response body (the first SSE event of a stream), p50. */
  ttfbP50: number;
}

export interface LoadOptions {
  warmupSeconds: number;
  seconds: number;
  /** Run this many before the measured window and the CPU reading at its start and end. */
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}

interface Sample {
  latency: number;
  ttfb: number;
  ok: boolean;
}

const agent = new Agent({ connections: 4096, keepAliveTimeout: 30_000 });

async function once(target: Target): Promise<Sample> {
  const t0 = performance.now();
  try {
    const res = await request(target.url, { method: 'POST', headers: target.headers, body: target.body, dispatcher: agent });
    let ttfb = NaN;
    for await (const _chunk of res.body) if (Number.isNaN(ttfb)) ttfb = performance.now() - t0;
    return { latency: performance.now() - t0, ttfb, ok: res.statusCode === 200 };
  } catch {
    return { latency: performance.now() - t0, ttfb: NaN, ok: false };
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarise(samples: Sample[], seconds: number): LoadResult {
  const ok = samples.filter((s) => s.ok);
  const latencies = ok.map((s) => s.latency).sort((a, b) => a - b);
  const ttfbs = ok.map((s) => s.ttfb).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  return {
    requests: ok.length,
    errors: samples.length - ok.length,
    seconds,
    rps: ok.length / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    ttfbP50: percentile(ttfbs, 50),
  };
}

/** Warm-up, then a measured window; a request counts in the window it started in. */
async function windowed(o: LoadOptions, run: (stopAt: number, measuring: () => boolean, collect: (s: Sample) => void) => Promise<void>): Promise<LoadResult> {
  const samples: Sample[] = [];
  const start = performance.now();
  const measureFrom = start + o.warmupSeconds * 1000;
  const stopAt = measureFrom + o.seconds * 1000;
  let measuring = false;
  const timer = setTimeout(() => {
    measuring = true;
    o.onMeasureStart?.();
  }, o.warmupSeconds * 1000);
  await run(stopAt, () => measuring, (s) => samples.push(s));
  clearTimeout(timer);
  o.onMeasureEnd?.();
  return summarise(samples, o.seconds);
}

export function closedLoop(target: Target, clients: number, o: LoadOptions): Promise<LoadResult> {
  return windowed(o, async (stopAt, measuring, collect) => {
    const client = async () => {
      while (performance.now() < stopAt) {
        const counted = measuring();
        const sample = await once(target);
        if (counted) collect(sample);
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
  });
}

/** Requests at `rate` a second; latency runs from each request's due time. */
export function openLoop(target: Target, rate: number, o: LoadOptions): Promise<LoadResult> {
  return windowed(o, async (stopAt, measuring, collect) => {
    const pending: Promise<void>[] = [];
    const interval = 1000 / rate;
    const start = performance.now();
    for (let i = 0; ; i++) {
      const due = start + i * interval;
      if (due >= stopAt) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const counted = measuring();
      // Sent late (the generator fell behind): the wait counts. Sent up to 1 ms early (timers are coarse): it does not count against the target.
      const lag = Math.max(0, performance.now() - due);
      pending.push(
        once(target).then((s) => {
          if (counted) collect({ ...s, latency: s.latency + lag, ttfb: s.ttfb + lag });
        }),
      );
    }
    await Promise.all(pending);
  });
}

export async function closeLoad(): Promise<void> {
  await agent.close();
}
