/** The decision service cannot start (bundle not activated, address in use, bad TLS files). */
export class ServiceStartError extends Error {
  readonly code = 'GATEHOUSE_SERVICE_START';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceStartError';
  }
}
