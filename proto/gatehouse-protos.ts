// The proto loader shared by the service and the data-plane SDK.
export { loadGatehouseProtos, PROTO_LOADER_OPTIONS, PROTO_ROOT, type GatehouseProtos } from '../engine/service/proto-package.ts';
