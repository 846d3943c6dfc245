/**
 * Agents see every upstream's tools and prompts under one gateway, so a name carries its
 * server: `SERVER__NAME`. Server names never contain `__` (upstream-spec.ts), so the first
 * `__` splits the two unambiguously. Resource URIs are left as they are (they are already
 * global names) and routed by the server that listed them.
 */
export const NAME_SEPARATOR = '__';

export function gatewayName(server: string, name: string): string {
  return `${server}${NAME_SEPARATOR}${name}`;
}

export function splitGatewayName(name: string): { server: string; name: string } | undefined {
  const at = name.indexOf(NAME_SEPARATOR);
  if (at <= 0 || at + NAME_SEPARATOR.length >= name.length) return undefined;
  return { server: name.slice(0, at), name: name.slice(at + NAME_SEPARATOR.length) };
}
