import { describe, expect, it } from 'vitest';
import { loadApiDescriptors } from '../../proto/api-descriptors.ts';
import { loadGatehouseProtos, SERVICE_NAMES } from '../../proto/gatehouse-protos.ts';

describe('the typed loader', () => {
  it('types every service proto/gatehouse/v1 declares, and no other', () => {
    const declared = loadApiDescriptors()
      .serviceNames()
      .filter((name) => name.startsWith('gatehouse.'))
      .sort();
    expect(Object.values(SERVICE_NAMES).sort()).toEqual(declared);
    expect(Object.keys(loadGatehouseProtos().services).sort()).toEqual(Object.keys(SERVICE_NAMES).sort());
  });

  it('each loaded service carries the methods of its proto under its fully-qualified name', () => {
    const { services } = loadGatehouseProtos();
    expect(Object.keys(services.DecisionService.service).sort()).toEqual(['Decide', 'DecideBatch', 'DecideStream']);
    expect(services.TokenService.service.IssueToken.path).toBe('/gatehouse.v1.TokenService/IssueToken');
    expect(services.ApprovalService.service.AwaitApproval.responseStream).toBe(true);
  });
});
