import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { appRoute } from './adapters/app-route';
import { answerReport, REPORT_API } from './adapters/slo-report-route';

/** GET /api/probes/report?month=2026-11: every configured target's monthly SLO report, JSON or CSV (reader role). */
export const probesReport: HttpFunctionDefinition = {
  name: 'probesReport',
  kind: 'http',
  options: { route: 'probes/report', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    ...REPORT_API,
    summary: "Every probe target's monthly SLO report (availability, budget, incidents, excluded time)",
  },
  handler: appRoute((request) => answerReport(request, false)),
};
