import { GatehouseError } from '../model/index.ts';

/** The decision service cannot start (bundle not activated, address in use, bad TLS files). */
export class ServiceStartError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GATEHOUSE_SERVICE_START', message, options);
    this.name = 'ServiceStartError';
  }
}
