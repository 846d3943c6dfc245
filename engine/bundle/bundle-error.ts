import { GatehouseError } from '../model/index.ts';

/**
 * Anything wrong with a policy directory or a bundle: unreadable or malformed files, a
 * policy that does not compile, a required engine without policies, a bad signature, a
 * tarball that breaks the size or path rules, decision tests that fail. Loading code
 * treats every BundleError the same way: the bundle is never activated.
 */
export class BundleError extends GatehouseError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super('GATEHOUSE_BUNDLE', file ? `${file}${line ? `:${line}` : ''}: ${message}` : message);
    this.name = 'BundleError';
  }
}
