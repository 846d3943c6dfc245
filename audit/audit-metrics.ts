import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';

/** The audit metrics (docs/audit.md "Metrics"), shared by every sink in a process. */
export interface AuditMetrics {
  appended: Counter<'sink'>;
  dropped: Counter<'sink'>;
  shipped: Counter<'topic'>;
  shipErrors: Counter;
  journalBytes: Gauge;
  lagBytes: Gauge;
}

const cache = new WeakMap<Registry, AuditMetrics>();

export function auditMetrics(registry: Registry = globalRegistry): AuditMetrics {
  const known = cache.get(registry);
  if (known) return known;
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers });
  const gauge = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers });
  const metrics: AuditMetrics = {
    appended: counter('gatehouse_audit_events_appended_total', 'Audit events written to the file sink or the journal', ['sink']),
    dropped: counter(
      'gatehouse_audit_events_dropped_total',
      'Audit events that could not be written and were dropped because audit is not required',
      ['sink'],
    ),
    shipped: counter('gatehouse_audit_events_shipped_total', 'Audit events acknowledged by Kafka (acks=all)', ['topic']),
    shipErrors: counter('gatehouse_audit_ship_errors_total', 'Failed attempts to ship a journal batch to Kafka', []),
    journalBytes: gauge('gatehouse_audit_journal_bytes', 'Bytes of journal segments on disk'),
    lagBytes: gauge('gatehouse_audit_shipper_lag_bytes', 'Journal bytes appended but not yet acknowledged by Kafka'),
  };
  cache.set(registry, metrics);
  return metrics;
}
