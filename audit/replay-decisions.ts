import type { Decision, Effect } from '../engine/model/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/model/index.ts';
import type { DecisionInput } from '../engine/model/index.ts';
import type { StoredRecord } from './audit-source-reader.ts';
import { DECISION_SCHEMA_VERSION } from './decision-event.ts';
import { MASKED, REDACTED } from './redact-secrets.ts';

/**
 * The candidate policy a replay asks: a prepared bundle in practice. Audit names only what it
 * calls, so it depends on the model alone and the caller (the CLI) brings the bundle.
 */
export interface ReplayCandidate {
  readonly revision: string;
  evaluate(input: DecisionInput): Decision;
}

export interface ReplayOptions {
  /** Only decisions recorded at or after this instant (event `time`). */
  since?: Date;
  /** Only decisions recorded before this instant. */
  until?: Date;
  /** How many changed decisions to include in `sample` (default 20). */
  sampleSize?: number;
  onProgress?: (replayed: number) => void;
}

export interface ReplayChange {
  eventId: string;
  decisionId: string | null;
  requestId: string | null;
  time: string;
  subject: string | null;
  action: string | null;
  resource: string | null;
  /** The raw text (SQL or shell) as recorded, redacted. */
  text: string | null;
  oldEffect: string | null;
  newEffect: Effect | null;
  oldReasons: string[];
  newReasons: string[];
  /** `<engine>:<policy id>` whose reasons appeared or disappeared, else the new decision's determining policies. */
  policies: string[];
  /** effect | obligations | unfaithful */
  kind: 'effect' | 'obligations' | 'unfaithful';
  /** For unfaithful records: why the record cannot be re-evaluated as it was. */
  detail?: string;
}

export interface ReplayReport {
  candidateRevision: string;
  /** Decision events re-evaluated (after de-duplication and the time window). */
  replayed: number;
  unchanged: number;
  changed: number;
  /** Records that could not be re-evaluated faithfully (counted in `changed`). */
  unfaithful: number;
  duplicates: number;
  /** Records skipped: other event types, outside the window, unparseable lines. */
  skipped: number;
  /** `old→new` effect → count, over changed decisions (`allow→allow` = obligations changed). */
  transitions: Record<string, number>;
  /** Policy → number of changed decisions it is responsible for. */
  policies: Record<string, number>;
  sample: ReplayChange[];
  /** Every unfaithful record. */
  unfaithfulRecords: ReplayChange[];
}

/**
 * Re-evaluates recorded decisions against a candidate bundle (docs/architecture.md "Replay"). The recorded
 * input is used as-is: its time, token facts and computed facts are what the service saw, so no
 * fact is recomputed. A record that cannot be re-evaluated faithfully counts as changed:
 *   - an unknown `schemaVersion`, or an input that is not a request;
 *   - a redacted or masked value the candidate reads: the record is evaluated again with each
 *     redaction marker replaced by a different stand-in, and a different outcome means the
 *     policy depends on the value Gatehouse did not record.
 */
export async function replayDecisions(records: AsyncIterable<StoredRecord>, bundle: ReplayCandidate, options: ReplayOptions = {}): Promise<ReplayReport> {
  const report: ReplayReport = {
    candidateRevision: bundle.revision,
    replayed: 0,
    unchanged: 0,
    changed: 0,
    unfaithful: 0,
    duplicates: 0,
    skipped: 0,
    transitions: {},
    policies: {},
    sample: [],
    unfaithfulRecords: [],
  };
  const sampleSize = options.sampleSize ?? 20;
  const seen = new Set<string>();
  for await (const record of records) {
    const event = parseEvent(record.line);
    if (!event || event.type !== 'gatehouse.decision.v1') {
      report.skipped += 1;
      continue;
    }
    const time = Date.parse(event.time);
    if ((options.since && !(time >= options.since.getTime())) || (options.until && !(time < options.until.getTime()))) {
      report.skipped += 1;
      continue;
    }
    if (seen.has(event.id)) {
      report.duplicates += 1;
      continue;
    }
    seen.add(event.id);
    report.replayed += 1;
    if (report.replayed % 500 === 0) options.onProgress?.(report.replayed);
    const change = replayOne(event, bundle);
    if (!change) {
      report.unchanged += 1;
      continue;
    }
    report.changed += 1;
    const key = `${change.oldEffect ?? '?'}→${change.newEffect ?? '?'}`;
    report.transitions[key] = (report.transitions[key] ?? 0) + 1;
    for (const policy of change.policies) report.policies[policy] = (report.policies[policy] ?? 0) + 1;
    if (change.kind === 'unfaithful') {
      report.unfaithful += 1;
      report.unfaithfulRecords.push(change);
    }
    if (report.sample.length < sampleSize) report.sample.push(change);
  }
  options.onProgress?.(report.replayed);
  return report;
}

interface ParsedEvent {
  id: string;
  type: string;
  time: string;
  data: JsonObject;
}

function parseEvent(line: string): ParsedEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (!isJsonObject(value)) return undefined;
    const { id, type, time, data } = value;
    if (typeof id !== 'string' || typeof type !== 'string' || typeof time !== 'string' || !isJsonObject(data)) return undefined;
    return { id, type, time, data };
  } catch {
    return undefined;
  }
}

function replayOne(event: ParsedEvent, bundle: ReplayCandidate): ReplayChange | undefined {
  const data = event.data;
  const input = data.input;
  const base: ReplayChange = {
    eventId: event.id,
    decisionId: str(data.decisionId),
    requestId: str(data.requestId),
    time: event.time,
    subject: isJsonObject(input) && isJsonObject(input.subject) ? str(input.subject.id) : null,
    action: isJsonObject(input) ? str(input.action) : null,
    resource: isJsonObject(input) && isJsonObject(input.resource) ? `${str(input.resource.type)}:${str(input.resource.id)}` : null,
    text: isJsonObject(input) ? recordedText(input) : null,
    oldEffect: str(data.effect),
    newEffect: null,
    oldReasons: strings(data.reasons),
    newReasons: [],
    policies: [],
    kind: 'unfaithful',
  };
  if (data.schemaVersion !== DECISION_SCHEMA_VERSION) {
    return { ...base, detail: `unknown decision schema version ${JSON.stringify(data.schemaVersion ?? null)} (this replay reads ${DECISION_SCHEMA_VERSION})` };
  }
  if (!isRequest(input)) return { ...base, detail: 'the recorded input is not a decision request' };
  // An empty revision means the service decided before any policy ran (a refused token, text
  // the fact extractors could not parse, no active bundle): no candidate is consulted for such
  // a request, so its outcome cannot change. Re-evaluating it would report a spurious change.
  if (data.policyRevision === '' && base.oldEffect === 'deny') return undefined;
  const decision = bundle.evaluate(input);
  const result = { ...base, newEffect: decision.effect, newReasons: decision.reasons };

  const hidden = strings(data.redactions);
  if (hidden.length > 0) {
    const perturbed = bundle.evaluate(perturb(input, hidden));
    // Effect and obligations only: a reason that merely quotes the redacted text (a policy
    // naming the command it judged) differs with every stand-in without the decision depending on it.
    if (!sameOutcome(decision, perturbed, false)) {
      return {
        ...result,
        policies: responsible(base.oldReasons, decision),
        detail: `the candidate reads a value that was redacted or masked when recorded (${hidden.join(', ')})`,
      };
    }
  }
  const effectChanged = decision.effect !== base.oldEffect;
  const obligationsChanged = canonical(decision.obligations) !== canonical(isJsonObject(data.obligations) ? data.obligations : {});
  if (!effectChanged && !obligationsChanged) return undefined;
  return { ...result, kind: effectChanged ? 'effect' : 'obligations', policies: responsible(base.oldReasons, decision) };
}

function isRequest(value: JsonValue | undefined): value is JsonObject & DecisionInput {
  return (
    isJsonObject(value) &&
    isJsonObject(value.subject) &&
    typeof value.subject.id === 'string' &&
    typeof value.action === 'string' &&
    isJsonObject(value.resource) &&
    typeof value.resource.type === 'string' &&
    typeof value.resource.id === 'string' &&
    isJsonObject(value.context) &&
    typeof value.time === 'string'
  );
}

/** A copy of the input with every redacted or masked value replaced by a different stand-in. */
function perturb(input: DecisionInput, paths: string[]): DecisionInput {
  const copy = structuredClone(input) as unknown as JsonObject;
  for (const path of paths) {
    const keys = path.replace(/^input\./, '').split('.');
    let node: JsonValue = copy;
    for (const key of keys.slice(0, -1)) {
      node = Array.isArray(node) ? (node[Number(key)] as JsonValue) : isJsonObject(node) ? (node[key] as JsonValue) : null;
    }
    const last = keys.at(-1)!;
    const holder = node as JsonObject | JsonValue[] | null;
    if (holder === null || typeof holder !== 'object') continue;
    const current: JsonValue | undefined = Array.isArray(holder) ? holder[Number(last)] : holder[last];
    const replaced =
      typeof current === 'string'
        ? current.replaceAll(REDACTED, '[gatehouse-replay-probe-7d1f]').replaceAll(MASKED, '[gatehouse-replay-probe-9c2e]')
        : 'gatehouse-replay-probe';
    if (Array.isArray(holder)) holder[Number(last)] = replaced;
    else holder[last] = replaced;
  }
  return copy as unknown as DecisionInput;
}

function sameOutcome(a: Decision, b: Decision, withReasons: boolean): boolean {
  return a.effect === b.effect && canonical(a.obligations) === canonical(b.obligations) && (!withReasons || canonical(a.reasons) === canonical(b.reasons));
}

/** Policies whose reasons appeared or disappeared; else the candidate's determining policies. */
function responsible(oldReasons: string[], decision: Decision): string[] {
  const ids = (reasons: string[]) => new Set(reasons.map(policyOf).filter((id): id is string => id !== undefined));
  const before = ids(oldReasons);
  const after = ids(decision.reasons);
  const diff = [...after].filter((id) => !before.has(id)).concat([...before].filter((id) => !after.has(id)));
  if (diff.length > 0) return diff.sort();
  const determining = decision.engines.flatMap((engine) => engine.determining.map((id) => `${engine.engine}:${id}`));
  return [...new Set(determining.length > 0 ? determining : [...after])].sort();
}

/** `<engine>:<policy id>` of a reason formatted `<engine>:<policy id>: <text>`. */
export function policyOf(reason: string): string | undefined {
  const at = reason.indexOf(': ');
  const head = at < 0 ? reason : reason.slice(0, at);
  return /^[a-z]+:/.test(head) ? head : undefined;
}

function recordedText(input: JsonObject): string | null {
  const context = input.context;
  if (!isJsonObject(context)) return null;
  for (const key of ['sql', 'command']) {
    const part = context[key];
    if (isJsonObject(part) && typeof part.text === 'string') return part.text;
  }
  return null;
}

function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function str(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
