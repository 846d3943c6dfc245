import { createHash } from 'node:crypto';
import type { ApprovalBinding } from '../../decision/index.ts';

/**
 * The hash an approval is bound to: sha256 (hex) over the canonical JSON (sorted keys, no
 * whitespace) of subject, executor ("" when none), action, resource {type, id}, the raw
 * text and, when the request has them, its bound parameter values. A request differing in any
 * of them, even one literal or one parameter, needs its own approval.
 */
export function approvalBindingHash(binding: ApprovalBinding): string {
  return createHash('sha256').update(canonicalJson(normalizedBinding(binding))).digest('hex');
}

export function normalizedBinding(binding: ApprovalBinding): Record<string, unknown> {
  return {
    subject: binding.subject,
    executor: binding.executor ?? '',
    action: binding.action,
    resource: { type: binding.resource.type, id: binding.resource.id },
    text: binding.text,
    // Absent (not []) without parameters, so bindings of plain texts keep their hashes.
    parameters: binding.parameters,
  };
}

/** JSON with object keys sorted at every level (RFC 8785-like for the strings and objects used here). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
