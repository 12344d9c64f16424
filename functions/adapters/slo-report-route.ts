import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { authorizeRequest } from '../../shared/auth/principal';
import { getContainer } from '../../shared/composition-root';
import { seriesParamsSchema } from '../../shared/dashboard/core/dashboard-schemas';
import { json, parseInput, queryObject } from '../../shared/http/http-adapter';
import type { RouteApi } from '../../shared/http/route-spec';
import { reportCsv, reportMonthSchema, sloReportSchema } from '../../shared/probe/core/slo-report';
import { buildSloReport } from '../../shared/probe/use-cases/slo-report';

/** The report routes' query: the month, and the format when the Accept header cannot say it (a link in a browser). */
export const reportQuerySchema = z
  .object({
    month: reportMonthSchema,
    format: z
      .enum(['json', 'csv'], { error: 'expected json or csv' })
      .optional()
      .meta({ description: 'json or csv; overrides Accept. Without either, JSON.' }),
    // A followed link (the dashboard's report links) cannot send x-functions-key; Azure Functions
    // also takes a function key as the `code` query parameter ("Azure Functions HTTP trigger",
    // API key authorization, learn.microsoft.com), so the route allows it and never reads it.
    code: z.string().optional().meta({
      description:
        'A function key, when given in the query rather than as x-functions-key; checked by the host.',
    }),
  })
  .strict();

export const reportParamsSchema = seriesParamsSchema;

export const REPORT_API: Pick<RouteApi, 'tag' | 'query' | 'success' | 'errors'> = {
  tag: 'probes',
  query: reportQuerySchema,
  success: {
    status: 200,
    description:
      'The report: JSON (`SloReport`) or CSV (one row per target summary, incident and excluded period; text cells starting with = + - @ are prefixed with an apostrophe).',
    schema: sloReportSchema,
    contentTypes: ['application/json', 'text/csv'],
  },
  errors: [400, 404, 500, 503],
};

/** CSV when `format=csv`, or when Accept names text/csv and not JSON; otherwise JSON. */
export function wantsCsv(request: HttpRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  const accept = (request.headers.get('accept') ?? '').toLowerCase();
  return accept.includes('text/csv') && !accept.includes('application/json');
}

/** Both report routes: authorize (reader), parse, build, answer in the asked format. */
export async function answerReport(request: HttpRequest, withTarget: boolean): Promise<HttpResponseInit> {
  const container = getContainer();
  authorizeRequest(request, container.config, 'read');
  const target = withTarget
    ? parseInput(reportParamsSchema, { ...request.params }, 'path').target
    : undefined;
  const { month, format } = parseInput(reportQuerySchema, queryObject(request), 'query');
  const report = await buildSloReport(container, month, target);
  if (!wantsCsv(request, format)) return json(200, report, { vary: 'accept' });
  const name = `slo-report-${target ?? 'all'}-${month}.csv`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'x-content-type-options': 'nosniff',
      vary: 'accept',
    },
    body: reportCsv(report),
  };
}
