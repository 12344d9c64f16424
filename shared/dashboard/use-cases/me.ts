import type { Principal } from '../../auth/principal';
import type { Config } from '../../config/config';
import type { Me } from '../core/dashboard-schemas';

/** The caller as the dashboard needs it: who, and which buttons to show. The server checks again on every call. */
export function meOf(principal: Principal, config: Config): Me {
  const has = (role: string) => principal.roles.includes(role);
  return {
    name: principal.name,
    objectId: principal.objectId,
    tenantId: principal.tenantId ?? null,
    identityProvider: principal.identityProvider,
    roles: [...principal.roles],
    permissions: {
      read: has(config.auth.readerRole) || has(config.auth.approverRole),
      approve: has(config.auth.approverRole),
    },
    authMode: config.auth.mode,
  };
}
