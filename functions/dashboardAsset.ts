import { z } from 'zod';
import { dashboardAssets } from '../shared/dashboard/adapters/dashboard-assets';
import { AppError } from '../shared/errors';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { appRoute } from './adapters/app-route';
import { serve } from './adapters/dashboard-files';

const ASSET_NAME = /^dashboard-[A-Za-z0-9_-]{1,64}\.(?:js|css)$/;

/** The dashboard's script and stylesheet (content-hashed names, cached immutably; anonymous like the page). */
export const dashboardAsset: HttpFunctionDefinition = {
  name: 'dashboardAsset',
  kind: 'http',
  options: { route: 'dashboard/assets/{name}', methods: ['GET'], authLevel: 'anonymous' },
  access: 'anonymous',
  api: {
    tag: 'dashboard',
    summary: "The dashboard's script and stylesheet (content-hashed names, cached immutably)",
    params: z.object({ name: z.string().meta({ description: 'A file name the page refers to.' }) }).strict(),
    success: {
      status: 200,
      description: 'The file.',
      schema: z.string(),
      contentTypes: ['text/javascript', 'text/css'],
    },
    errors: [404, 503],
  },
  handler: appRoute(async (request) => {
    const name = request.params.name ?? '';
    const asset = ASSET_NAME.test(name) ? (await dashboardAssets()).files.get(name) : undefined;
    if (asset === undefined)
      throw new AppError('not_found', 'No such dashboard asset.', {
        issues: [{ path: 'path.name', message: 'expected a file name the dashboard page refers to' }],
      });
    // The name holds the content hash: a changed file has a new name, so the old one never changes.
    return serve(request, asset, 'public, max-age=31536000, immutable');
  }),
};
