/* The approval side's logical tables; the container adds the installation's prefix. */
export const APPROVAL_TABLES = {
  arrivals: 'Arrivals',
  audit: 'Audit',
  auditByTime: 'AuditByTime',
  claims: 'Claims',
  /** The snapshot table of versions before the connection record: read only to migrate it. */
  connections: 'Connections',
  drift: 'Drift',
  /** Onboarding code records (never the codes). */
  onboardingCodes: 'OnboardingCodes',
  exposure: 'Exposure',
  exposurePlans: 'ExposurePlans',
  reconcileRequests: 'ReconcileRequests',
  reconcileRuns: 'ReconcileRuns',
  tenantCache: 'TenantCache',
} as const;
