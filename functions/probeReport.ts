import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { appRoute } from './adapters/app-route';
import { answerReport, REPORT_API, reportParamsSchema } from './adapters/slo-report-route';

/** GET /api/probes/{target}/report?month=2026-11: one target's monthly SLO report, JSON or CSV (reader role). */
export const probeReport: HttpFunctionDefinition = {
  name: 'probeReport',
  kind: 'http',
  options: { route: 'probes/{target}/report', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    ...REPORT_API,
    summary: "One probe target's monthly SLO report (availability, budget, incidents, excluded time)",
    params: reportParamsSchema,
  },
  handler: appRoute((request) => answerReport(request, true)),
};
