import { describe, expect, it } from 'vitest';
import { managedServicesLine } from '../../../dashboard/src/managed-services';

describe('the managed services line', () => {
  it('says listed and discovered services, when discovery last ran, and a failure that kept the list', () => {
    expect(
      managedServicesLine({
        staticServices: 2,
        discovery: 'on',
        discoveredServices: 10,
        lastDiscoveryAt: '2026-12-07T10:05:12.000Z',
      }),
    ).toBe('Managing 12 services: 2 listed, 10 found by Resource Graph (last 10:05 UTC)');
    expect(
      managedServicesLine({
        staticServices: 0,
        discovery: 'on',
        discoveredServices: 3,
        lastDiscoveryAt: '2026-12-07T10:05:12.000Z',
        lastDiscoveryError: 'arm_throttled',
      }),
    ).toBe(
      'Managing 3 services: 0 listed, 3 found by Resource Graph (last 10:05 UTC, last attempt failed: arm_throttled, kept the last list)',
    );
  });

  it('without discovery: the listed count, and says when its settings are invalid', () => {
    expect(managedServicesLine({ staticServices: 1, discovery: 'off' })).toBe('Managing 1 listed service');
    expect(managedServicesLine({ staticServices: 4, discovery: 'invalid' })).toBe(
      'Managing 4 listed services (discovery settings invalid: see the problems above)',
    );
    expect(managedServicesLine(undefined)).toBeUndefined();
  });
});
