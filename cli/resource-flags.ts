import type { JsonObject } from '../engine/model/index.ts';
import { UsageError } from './cli-error.ts';

/** The resource a proxy guards, as its policies see it. */
export interface GuardedResource {
  resource: string;
  attributes: JsonObject;
}

/**
 * `--resource ID` (required) and the repeatable `--resource-attr K=V` of a proxy. `kind` is the
 * resource type policies see ('Database', 'Host'), named in the error when the id is missing.
 */
export function checkResourceFlags(command: string, flags: { resource?: string; 'resource-attr'?: string[] }, kind: string): GuardedResource {
  if (!flags.resource) throw new UsageError(`${command}: --resource ID is required (the ${kind} id policies see)`);
  if (!/^[A-Za-z0-9_.:-]+$/.test(flags.resource)) throw new UsageError(`${command}: --resource '${flags.resource}' may hold only letters, digits and _ . : -`);
  const attributes: JsonObject = {};
  for (const pair of flags['resource-attr'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${command}: --resource-attr must be KEY=VALUE, got '${pair}'`);
    attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { resource: flags.resource, attributes };
}
