import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import { DESCRIPTOR_SET_PATH, type ApiDescriptors, type ApiFile } from '../../proto/api-descriptors.ts';
import { PROTO_LOADER_OPTIONS } from '../../proto/gatehouse-protos.ts';

/** The reflection protocol versions clients use: grpcurl and Postman ask v1 first, older tools v1alpha. */
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'] as const;

interface ExtensionRequest {
  containing_type: string;
  extension_number: number;
}

/** grpc.reflection.v1(alpha).ServerReflectionRequest as proto-loader decodes it (oneofs: true). */
interface ReflectionRequest {
  host: string;
  message_request?: 'file_by_filename' | 'file_containing_symbol' | 'file_containing_extension' | 'all_extension_numbers_of_type' | 'list_services';
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: ExtensionRequest;
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

interface ReflectionResponse {
  valid_host: string;
  original_request: ReflectionRequest;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  list_services_response?: { service: Array<{ name: string }> };
  error_response?: { error_code: number; error_message: string };
}

/**
 * gRPC server reflection (v1 and v1alpha) answering from the buf-compiled descriptor set, so every
 * descriptor a client receives names its types fully and comes with the files it imports.
 * `registered` returns the services the server actually serves: a service is listed only when
 * it is both registered and described.
 */
export function addReflectionService(server: grpc.Server, descriptors: ApiDescriptors, registered: () => string[]): void {
  const definition = protoLoader.loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET_PATH), PROTO_LOADER_OPTIONS);
  for (const name of REFLECTION_SERVICES) {
    const service = definition[name];
    // A message or enum definition carries `format`; a service is a map of its methods.
    if (service === undefined || 'format' in service) throw new Error(`the descriptor set lacks the service ${name}: regenerate with scripts/gen-proto-types`);
    server.addService(service, {
      ServerReflectionInfo: (call: grpc.ServerDuplexStream<ReflectionRequest, ReflectionResponse>) => {
        call.on('data', (request: ReflectionRequest) => {
          call.write(answer(request, descriptors, registered));
        });
        call.on('end', () => call.end());
        call.on('error', () => call.end());
      },
    });
  }
}

function answer(request: ReflectionRequest, descriptors: ApiDescriptors, registered: () => string[]): ReflectionResponse {
  const base = { valid_host: request.host, original_request: request };
  const files = (file: ApiFile | undefined, what: string): ReflectionResponse =>
    file
      ? { ...base, file_descriptor_response: { file_descriptor_proto: descriptors.withDependencies(file).map((f) => f.bytes) } }
      : notFound(base, what);
  switch (request.message_request) {
    case 'list_services': {
      const served = new Set(registered());
      const names = descriptors.serviceNames().filter((name) => served.has(name));
      return { ...base, list_services_response: { service: names.map((name) => ({ name })) } };
    }
    case 'file_by_filename':
      return files(descriptors.fileByName(request.file_by_filename ?? ''), `file ${request.file_by_filename}`);
    case 'file_containing_symbol':
      return files(descriptors.fileContainingSymbol(request.file_containing_symbol ?? ''), `symbol ${request.file_containing_symbol}`);
    case 'file_containing_extension':
      // No Gatehouse proto declares extensions.
      return notFound(base, `extension ${request.file_containing_extension?.extension_number} of ${request.file_containing_extension?.containing_type}`);
    case 'all_extension_numbers_of_type': {
      const type = request.all_extension_numbers_of_type ?? '';
      return descriptors.hasSymbol(type) ? { ...base, all_extension_numbers_response: { base_type_name: type, extension_number: [] } } : notFound(base, `type ${type}`);
    }
    default:
      return { ...base, error_response: { error_code: grpc.status.INVALID_ARGUMENT, error_message: 'reflection request names no query' } };
  }
}

function notFound(base: Pick<ReflectionResponse, 'valid_host' | 'original_request'>, what: string): ReflectionResponse {
  return { ...base, error_response: { error_code: grpc.status.NOT_FOUND, error_message: `${what} not found` } };
}

/** The service names of a definition passed to addService (`/pkg.Service/Method` paths). */
export function serviceNamesOf(definition: grpc.ServiceDefinition): string[] {
  const names = new Set<string>();
  for (const method of Object.values(definition)) {
    const match = /^\/([^/]+)\//.exec(method.path);
    if (match) names.add(match[1]!);
  }
  return [...names];
}

