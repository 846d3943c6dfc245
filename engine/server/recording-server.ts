import * as grpc from '@grpc/grpc-js';
import { serviceNamesOf } from './reflection-service.ts';

/**
 * A grpc.Server that remembers which services were added to it, so reflection lists exactly the
 * services this process serves (TokenService and ApprovalService only when `serve` wires them).
 */
export class RecordingServer extends grpc.Server {
  private readonly names = new Set<string>();

  override addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    super.addService(service, implementation);
    for (const name of serviceNamesOf(service)) this.names.add(name);
  }

  serviceNames(): string[] {
    return [...this.names];
  }
}
