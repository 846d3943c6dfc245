import { isIPv4, isIPv6 } from 'node:net';
import { stringOperand, type HostBuiltin } from './rego-value.ts';

/** OPA's net.cidr_is_valid: whether Go's net.ParseCIDR accepts the string. */

export function isValidCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return false;
  const addr = text.slice(0, slash);
  const mask = text.slice(slash + 1);
  // Go's dtoi: one or more ASCII digits, nothing else.
  if (!/^\d+$/.test(mask)) return false;
  const bits = Number(mask.length > 8 ? 'Infinity' : mask);
  // netip.ParseAddr: dotted quad without leading zeros, or IPv6 without a zone.
  if (isIPv4(addr)) return bits <= 32;
  if (addr.includes('%')) return false;
  if (isIPv6(addr)) return bits <= 128;
  return false;
}

export const netBuiltins: Record<string, HostBuiltin> = {
  'net.cidr_is_valid': (args) => isValidCidr(stringOperand(args, 1)),
};
