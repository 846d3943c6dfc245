/** A configuration or startup problem of the SSH proxy, reported as one line. */
export class SshProxyError extends Error {
  readonly code = 'GATEHOUSE_SSH_PROXY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SshProxyError';
  }
}

/** The host behind the proxy cannot be reached, refused the proxy's key, or failed its host-key check. */
export class UpstreamUnavailableError extends Error {
  readonly code = 'GATEHOUSE_SSH_UPSTREAM';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamUnavailableError';
  }
}
