import { featureNames, type FeatureName, type TokenFeatures } from './features.js';

/**
 * Estimates input tokens where Bedrock cannot count them, learning each model's tokens per
 * unit of every feature (Latin bytes, other characters, image tokens, tool-schema bytes,
 * blocks, a fixed overhead) from the input_tokens Bedrock reports on real requests. It errs
 * high on purpose: an under-count keeps Claude Code from compacting and ends in "prompt is
 * too long".
 */

/** Tokens per unit of each feature before anything is learned: deliberately generous. */
const priorRates: Record<FeatureName, number> = {
  asciiBytes: 1 / 3.2,
  otherChars: 1.3,
  imageTokens: 1.1,
  toolBytes: 1 / 2.6,
  toolSets: 400,
  blocks: 6,
  requests: 12,
};
const window = 256;
/** Below this many observations the prior is only scaled, not refitted. */
const minObservationsToFit = 24;
const baseMargin = 0.03;
const maxMargin = 0.5;

interface Observation {
  x: number[];
  actual: number;
}

interface ModelState {
  rates: number[];
  observations: Observation[];
  total: number;
  /** Largest relative under-estimate of the current fit over the window. */
  worstUnder: number;
  /** Requests passed over since the last one learned from (once the window is full). */
  skipped: number;
}

const vector = (f: TokenFeatures): number[] => featureNames.map((n) => f[n]);
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const priorVector = featureNames.map((n) => priorRates[n]);

export class TokenEstimator {
  private readonly models = new Map<string, ModelState>();

  estimate(model: string, f: TokenFeatures): number {
    const m = this.models.get(model);
    const fit = dot(m?.rates ?? priorVector, vector(f));
    if (!m) return Math.ceil(fit);
    return Math.ceil(fit * (1 + Math.min(maxMargin, baseMargin + m.worstUnder)));
  }

  observe(model: string, f: TokenFeatures, actual: number): void {
    if (!(actual > 0)) return;
    let m = this.models.get(model);
    if (!m) this.models.set(model, (m = { rates: [...priorVector], observations: [], total: 0, worstUnder: 0, skipped: 0 }));
    m.observations.push({ x: vector(f), actual });
    if (m.observations.length > window) m.observations.shift();
    m.total++;
    if (m.observations.length < minObservationsToFit) {
      // Too little to tell the features apart: scale the prior to the average ratio.
      const ratio = m.observations.reduce((s, o) => s + o.actual / dot(priorVector, o.x), 0) / m.observations.length;
      m.rates = priorVector.map((r) => r * ratio);
    } else {
      m.rates = fitRates(m.observations);
    }
    m.worstUnder = Math.max(0, ...m.observations.map((o) => o.actual / Math.max(1e-9, dot(m!.rates, o.x)) - 1));
  }

  /**
   * Whether to learn from the next request of a model: always until its window is full, then
   * one in eight (measuring a request walks its whole body).
   */
  wantsObservation(model: string): boolean {
    const m = this.models.get(model);
    if (!m || m.total < window) return true;
    m.skipped = (m.skipped + 1) % 8;
    return m.skipped === 0;
  }

  observations(model: string): number {
    return this.models.get(model)?.total ?? 0;
  }
}

/**
 * Non-negative least squares on relative error (each row scaled by 1/actual, so small and
 * large requests weigh alike): solve, drop features whose rate comes out negative, repeat.
 */
function fitRates(observations: Observation[]): number[] {
  const n = featureNames.length;
  // A feature never seen yet (no images so far…) keeps its generous prior rather than 0.
  const seen = Array.from({ length: n }, (_, k) => observations.some((o) => o.x[k]! > 0));
  const active = new Set(Array.from({ length: n }, (_, i) => i).filter((k) => seen[k]));
  for (;;) {
    const idx = [...active];
    const a = idx.map(() => new Array<number>(idx.length).fill(0));
    const b = new Array<number>(idx.length).fill(0);
    for (const o of observations) {
      const w = 1 / o.actual;
      for (let i = 0; i < idx.length; i++) {
        const xi = o.x[idx[i]!]! * w;
        b[i] += xi; // target actual/actual = 1
        for (let j = 0; j < idx.length; j++) a[i]![j] += xi * o.x[idx[j]!]! * w;
      }
    }
    const solved = solve(a, b);
    const rates = priorVector.map((r, k) => (seen[k] ? 0 : r));
    if (!solved) return priorVector.slice();
    let negative = false;
    idx.forEach((k, i) => {
      if (solved[i]! < 0) {
        active.delete(k);
        negative = true;
      } else rates[k] = solved[i]!;
    });
    if (!negative) return rates;
    if (active.size === 0) return priorVector.slice();
  }
}

/** Gaussian elimination with partial pivoting; undefined for a singular system. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    if (Math.abs(m[pivot]![c]!) < 1e-12) return undefined;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const factor = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= factor * m[c]![k]!;
    }
  }
  const x = m.map((row, i) => row[n]! / row[i]!);
  return x.every(Number.isFinite) ? x : undefined;
}
