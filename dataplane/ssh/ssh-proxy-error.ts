import { GatehouseError } from '../../engine/model/index.ts';

/** A configuration or startup problem of the SSH proxy, reported as one line. */
export class SshProxyError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GATEHOUSE_SSH_PROXY', message, options);
    this.name = 'SshProxyError';
  }
}

/** The host behind the proxy cannot be reached, refused the proxy's key, or failed its host-key check. */
export class UpstreamUnavailableError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GATEHOUSE_SSH_UPSTREAM', message, options);
    this.name = 'UpstreamUnavailableError';
  }
}
