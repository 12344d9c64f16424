import { z } from 'zod';
import { dashboardAssets } from '../shared/dashboard/adapters/dashboard-assets';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { appRoute } from './adapters/app-route';
import { serve } from './adapters/dashboard-files';

/** The operators' dashboard page (static; its data comes from the JSON routes, which check the principal). */
export const dashboard: HttpFunctionDefinition = {
  name: 'dashboard',
  kind: 'http',
  // Anonymous: a browser cannot send a function key for a page load. The page holds no data, and in
  // Azure App Service Authentication still requires a signed-in user before the request arrives.
  options: { route: 'dashboard', methods: ['GET'], authLevel: 'anonymous' },
  access: 'anonymous',
  api: {
    tag: 'dashboard',
    summary: "The operators' dashboard page (static HTML; its data comes from the JSON routes)",
    description:
      'Anonymous at the function level (a browser cannot send a function key on a page load); in Azure, App Service Authentication signs the user in before the request arrives.',
    success: { status: 200, description: 'The page.', schema: z.string(), contentTypes: ['text/html'] },
    errors: [503],
  },
  handler: appRoute(async (request) => {
    const { page } = await dashboardAssets();
    // Never cached: a new deployment's page must point at the new hashed assets at once.
    return serve(request, page, 'no-store');
  }),
};
