/*
 * What an IIS 10 default web site sends, closely enough for the probe's assertions: the headers
 * IIS adds (`Server: Microsoft-IIS/10.0`, `X-Powered-By: ASP.NET`), a welcome page titled
 * "IIS Windows Server" on `/`, and IIS's own style of 404 elsewhere. The pages are our own markup.
 */
import type { ServerResponse } from 'node:http';

export const IIS_SERVER_HEADER = 'Microsoft-IIS/10.0';
export const IIS_TITLE = 'IIS Windows Server';

export const IIS_WELCOME_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${IIS_TITLE}</title>
<style>body{margin:0;font-family:"Segoe UI",sans-serif;background:#0b6ab0;color:#fff}main{padding:4em}</style>
</head>
<body>
<main>
<h1>Internet Information Services</h1>
<p>The default web site is running. This page is served by the Private Link Gatekeeper's local stand-in.</p>
</main>
</body>
</html>
`;

export const IIS_NOT_FOUND_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>404 - File or directory not found.</title></head>
<body><h1>Server Error</h1><h2>404 - File or directory not found.</h2>
<p>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</p></body>
</html>
`;

/** HTTP.sys answers for IIS when the application pool is stopped; its server header differs. */
export const IIS_SERVICE_UNAVAILABLE_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Service Unavailable</title></head>
<body><h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p></body></html>
`;

export function sendIisPage(
  response: ServerResponse,
  status: number,
  body: string,
  options: { readonly head?: boolean; readonly server?: string } = {},
): void {
  const bytes = Buffer.from(body, 'utf8');
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/html',
    'Content-Length': bytes.length,
    Server: options.server ?? IIS_SERVER_HEADER,
    Date: new Date().toUTCString(),
  };
  if (options.server === undefined) {
    headers['X-Powered-By'] = 'ASP.NET';
    if (status === 200) {
      headers['Accept-Ranges'] = 'bytes';
      headers.ETag = '"1d9c0a1b2c3d4e5:0"';
      headers['Last-Modified'] = 'Mon, 01 Jan 2024 00:00:00 GMT';
    }
  }
  response.writeHead(status, headers);
  response.end(options.head === true ? undefined : bytes);
}

/** The default site: `/` (and the usual default documents) answer 200, anything else 404. */
export function isDefaultDocument(path: string): boolean {
  return path === '/' || /^\/(iisstart\.htm|default\.html?|index\.html?)$/i.test(path);
}
