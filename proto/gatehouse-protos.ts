import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as DecisionProto } from './generated/decision.ts';

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

export interface GatehouseProtos {
  /** Every file of proto/gatehouse/v1, so that reflection describes all registered services. */
  packageDefinition: protoLoader.PackageDefinition;
  /** The loaded package; cast the part you use to its generated ProtoGrpcType. */
  grpcObject: grpc.GrpcObject;
  decision: DecisionProto;
}

let loaded: GatehouseProtos | undefined;

/** Loads (once per process) all gatehouse/v1 protos: decision.proto plus token, approval and audit when present. */
export function loadGatehouseProtos(): GatehouseProtos {
  if (loaded) return loaded;
  const files = readdirSync(join(PROTO_ROOT, 'gatehouse', 'v1'))
    .filter((name) => name.endsWith('.proto'))
    .sort()
    .map((name) => `gatehouse/v1/${name}`);
  const packageDefinition = protoLoader.loadSync(files, PROTO_LOADER_OPTIONS);
  const grpcObject = grpc.loadPackageDefinition(packageDefinition);
  loaded = { packageDefinition, grpcObject, decision: grpcObject as unknown as DecisionProto };
  return loaded;
}
