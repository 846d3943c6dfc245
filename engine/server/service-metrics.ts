import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Effect } from '../model/index.ts';
import type { DecisionObserver } from '../decision/index.ts';
import type { ReloadResult } from '../decision/index.ts';

/**
 * The decision service's Prometheus metrics (docs/api.md "Metrics"). One Registry per server so
 * that several servers in one process (the tests) do not collide; the audit sink registers its
 * own metrics on the same registry.
 */
export class ServiceMetrics implements DecisionObserver {
  readonly registry: Registry;
  readonly #decisions: Counter<'effect'>;
  readonly #latency: Histogram;
  readonly #engine: Histogram;
  readonly #revision: Gauge<'revision'>;
  readonly #reloads: Counter<'outcome'>;
  readonly #reloadFailures: Counter;
  readonly #requestErrors: Counter<'code'>;

  constructor(options: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#decisions = new Counter({ name: 'gatehouse_decisions_total', help: 'Decisions answered, by effect', labelNames: ['effect'], registers });
    this.#latency = new Histogram({
      name: 'gatehouse_decision_duration_seconds',
      help: 'Time from a validated request to its answer (facts, token, policy, approval, audit)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.#engine = new Histogram({
      name: 'gatehouse_engine_duration_seconds',
      help: 'Time spent in fact extraction and policy evaluation per decision',
      buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers,
    });
    this.#revision = new Gauge({
      name: 'gatehouse_bundle_active',
      help: 'The active policy bundle revision (value 1 on the active revision label)',
      labelNames: ['revision'],
      registers,
    });
    this.#reloads = new Counter({ name: 'gatehouse_bundle_reloads_total', help: 'Bundle reload attempts by outcome', labelNames: ['outcome'], registers });
    this.#reloadFailures = new Counter({
      name: 'gatehouse_bundle_reload_failures_total',
      help: 'Bundle reloads refused (unverifiable, unpreparable or failing its own tests); the previous bundle stayed active',
      registers,
    });
    this.#requestErrors = new Counter({
      name: 'gatehouse_request_errors_total',
      help: 'Requests refused before evaluation, by gRPC status code name',
      labelNames: ['code'],
      registers,
    });
    for (const effect of ['allow', 'deny', 'require_approval']) this.#decisions.labels(effect).inc(0);
    this.#reloadFailures.inc(0);
  }

  decided(effect: Effect, seconds: number, engineSeconds: number): void {
    this.#decisions.labels(effect).inc();
    this.#latency.observe(seconds);
    this.#engine.observe(engineSeconds);
  }

  requestRefused(code: string): void {
    this.#requestErrors.labels(code).inc();
  }

  activated(revision: string): void {
    this.#revision.reset();
    this.#revision.labels(revision).set(1);
  }

  reloaded(result: ReloadResult): void {
    this.#reloads.labels(result.outcome).inc();
    if (result.outcome === 'failed') this.#reloadFailures.inc();
  }
}
