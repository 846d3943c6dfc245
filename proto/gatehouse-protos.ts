import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as ApprovalProto } from './generated/approval.ts';
import type { ProtoGrpcType as DecisionProto } from './generated/decision.ts';
import type { ProtoGrpcType as TokenProto } from './generated/token.ts';

/** proto/ at the repository root: the include directory of every Gatehouse .proto. */
export const PROTO_ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * The proto-loader options. They must match the flags of scripts/gen-proto-types, which generates
 * the TypeScript types (proto/generated/) describing exactly these decoded shapes.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

/**
 * Every gRPC service of proto/gatehouse/v1, typed by the generated code: each is a client
 * constructor (`new services.TokenService(address, credentials)` is a TokenServiceClient) whose
 * `service` is the definition a server registers handlers for.
 */
export interface GatehouseServices {
  DecisionService: DecisionProto['gatehouse']['v1']['DecisionService'];
  TokenService: TokenProto['gatehouse']['v1']['TokenService'];
  ApprovalService: ApprovalProto['gatehouse']['v1']['ApprovalService'];
}

export type GatehouseServiceName = keyof GatehouseServices;

/** The services' fully-qualified names, e.g. for health status. */
export const SERVICE_NAMES: Record<GatehouseServiceName, string> = {
  DecisionService: 'gatehouse.v1.DecisionService',
  TokenService: 'gatehouse.v1.TokenService',
  ApprovalService: 'gatehouse.v1.ApprovalService',
};

export interface GatehouseProtos {
  /** Every file of proto/gatehouse/v1, so that reflection describes all registered services. */
  packageDefinition: protoLoader.PackageDefinition;
  services: GatehouseServices;
}

let loaded: GatehouseProtos | undefined;

/** Loads (once per process) every gatehouse/v1 proto and types its services. */
export function loadGatehouseProtos(): GatehouseProtos {
  if (loaded) return loaded;
  const files = readdirSync(join(PROTO_ROOT, 'gatehouse', 'v1'))
    .filter((name) => name.endsWith('.proto'))
    .sort()
    .map((name) => `gatehouse/v1/${name}`);
  const packageDefinition = protoLoader.loadSync(files, PROTO_LOADER_OPTIONS);
  const v1 = namespace(grpc.loadPackageDefinition(packageDefinition), ['gatehouse', 'v1']);
  loaded = {
    packageDefinition,
    services: {
      DecisionService: typedService(v1, 'DecisionService'),
      TokenService: typedService(v1, 'TokenService'),
      ApprovalService: typedService(v1, 'ApprovalService'),
    },
  };
  return loaded;
}

function namespace(root: grpc.GrpcObject, path: string[]): grpc.GrpcObject {
  let current = root;
  for (const name of path) {
    const next = current[name];
    if (!isNamespace(next)) throw new Error(`proto/gatehouse: package ${path.join('.')} is missing`);
    current = next;
  }
  return current;
}

function isNamespace(value: grpc.GrpcObject[string] | undefined): value is grpc.GrpcObject {
  return typeof value === 'object' && value !== null && !('format' in value);
}

/**
 * The one place a loaded service meets its generated type. grpc-js builds the client class at
 * run time, so the type cannot be inferred; instead the loaded service is checked against what
 * the generated type promises (it exists, under its fully-qualified name) before it is trusted.
 * The generated types and the .proto files are kept in step by scripts/gen-proto-types, and
 * test/repo checks the committed output is current.
 */
function typedService<Name extends GatehouseServiceName>(v1: grpc.GrpcObject, name: Name): GatehouseServices[Name] {
  const loadedService = v1[name];
  if (typeof loadedService !== 'function' || typeof loadedService.service !== 'object') {
    throw new Error(`proto/gatehouse/v1 declares no service ${name}: regenerate with scripts/gen-proto-types`);
  }
  const methods = Object.values(loadedService.service);
  if (methods.length === 0 || methods.some((method) => !method.path.startsWith(`/${SERVICE_NAMES[name]}/`))) {
    throw new Error(`proto/gatehouse/v1: ${name} is not ${SERVICE_NAMES[name]}`);
  }
  return loadedService as unknown as GatehouseServices[Name];
}
