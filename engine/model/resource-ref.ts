import { GatehouseError } from './gatehouse-error.ts';
import type { ResourceRef } from './request.ts';

export class ResourceRefError extends GatehouseError {
  constructor(message: string) {
    super('GATEHOUSE_RESOURCE_REF', message);
    this.name = 'ResourceRefError';
  }
}

/** A token's `aud`: the resource as `Type:id` (a Cedar-style `Ns::Type` keeps its `::`). */
export function formatResourceRef(resource: ResourceRef): string {
  return `${resource.type}:${resource.id}`;
}

export function parseResourceRef(text: string): ResourceRef {
  const match = /^((?:[^:]|::)+):(?!:)(.+)$/.exec(text);
  if (!match) throw new ResourceRefError(`resource '${text}' must be Type:id, e.g. Database:orders`);
  return { type: match[1]!, id: match[2]! };
}
