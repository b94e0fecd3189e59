/**
 * Passive health of endpoints, per endpoint and model, in this replica's memory: a circuit
 * breaker (closed → open after consecutive failures → half-open after a cool-down, where one
 * probe request decides) and a latency average. Nothing is stored: a restart starts healthy.
 */
export interface HealthPolicy {
  /** Consecutive failures that open the circuit. */
  failuresToOpen: number;
  /** How long an open circuit refuses traffic before one probe is let through. */
  coolDownMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

interface Circuit {
  failures: number;
  openedAt: number | null;
  probing: boolean;
  latencyMs: number | null;
  /** When this replica last saw it answer. */
  lastSuccessAt: number | null;
  requests: number;
  errors: number;
  lastError: string | null;
}

export interface EndpointHealthView {
  endpoint: string;
  model: string;
  state: CircuitState;
  consecutive_failures: number;
  requests: number;
  errors: number;
  latency_ms: number | null;
  last_error: string | null;
}

/** Told of every Bedrock call an endpoint answered (metrics): how long it took, and the error if it failed. */
export interface UpstreamObserver {
  attempt(endpointName: string, latencyMs: number, error?: unknown): void;
}

/** Told when an endpoint's circuit for a model opens (unhealthy) or closes again (recovered): notifications. */
export interface HealthListener {
  healthChanged(endpoint: string, model: string, healthy: boolean, reason: string | null): void;
}

export class EndpointHealth {
  private readonly circuits = new Map<string, Circuit>();
  /** Set by the gateway when it keeps metrics. */
  observer?: UpstreamObserver;
  /** Set by the gateway when it sends notifications. */
  listener?: HealthListener;

  constructor(private readonly policy: HealthPolicy) {}

  state(endpoint: string, model: string): CircuitState {
    const c = this.circuits.get(key(endpoint, model));
    if (!c || c.openedAt === null) return 'closed';
    return Date.now() - c.openedAt >= this.policy.coolDownMs ? 'half-open' : 'open';
  }

  /** Whether a request may go there now; a half-open circuit admits one probe at a time. */
  admit(endpoint: string, model: string): boolean {
    const state = this.state(endpoint, model);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const c = this.circuit(endpoint, model);
    if (c.probing) return false;
    c.probing = true;
    return true;
  }

  success(endpoint: string, model: string, latencyMs: number): void {
    const c = this.circuit(endpoint, model);
    if (c.openedAt !== null) this.listener?.healthChanged(endpoint, model, true, null);
    c.failures = 0;
    c.openedAt = null;
    c.probing = false;
    c.lastSuccessAt = Date.now();
    c.requests++;
    c.latencyMs = c.latencyMs === null ? latencyMs : c.latencyMs * 0.8 + latencyMs * 0.2;
  }

  failure(endpoint: string, model: string, reason: string): void {
    const c = this.circuit(endpoint, model);
    c.requests++;
    c.errors++;
    c.failures++;
    c.lastError = reason;
    // A failed probe re-opens at once; otherwise after enough failures in a row.
    if (c.probing || c.failures >= this.policy.failuresToOpen) {
      if (c.openedAt === null) this.listener?.healthChanged(endpoint, model, false, reason);
      c.openedAt = Date.now();
    }
    c.probing = false;
  }

  /** The probe's request ended without a verdict (the client left): let another try. */
  release(endpoint: string, model: string): void {
    const c = this.circuits.get(key(endpoint, model));
    if (c) c.probing = false;
  }

  /** Whether the endpoint answered for the model after `since` (epoch ms) and its circuit is closed now. */
  servedSince(endpoint: string, model: string, since: number): boolean {
    const c = this.circuits.get(key(endpoint, model));
    return c !== undefined && c.openedAt === null && c.lastSuccessAt !== null && c.lastSuccessAt > since;
  }

  snapshot(): EndpointHealthView[] {
    return [...this.circuits].map(([k, c]) => {
      const [endpoint, model] = k.split('\0') as [string, string];
      return {
        endpoint,
        model,
        state: this.state(endpoint, model),
        consecutive_failures: c.failures,
        requests: c.requests,
        errors: c.errors,
        latency_ms: c.latencyMs === null ? null : Math.round(c.latencyMs),
        last_error: c.lastError,
      };
    });
  }

  private circuit(endpoint: string, model: string): Circuit {
    const k = key(endpoint, model);
    let c = this.circuits.get(k);
    if (!c) {
      c = { failures: 0, openedAt: null, probing: false, latencyMs: null, lastSuccessAt: null, requests: 0, errors: 0, lastError: null };
      this.circuits.set(k, c);
    }
    return c;
  }
}

const key = (endpoint: string, model: string) => `${endpoint}\0${model}`;
