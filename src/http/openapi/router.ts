// `GET /openapi.json`: the OpenAPI 3.1.0 document of the issuer, public and cacheable, built and
// serialized once per process (when the app is built, so a document that cannot be built stops the start).
import Router from '@koa/router';
import { openApiDocument } from './document.ts';

export const openApiPath = '/openapi.json';

const serialized = new Map<string, string>();

export function openApiRouter(issuer: string): Router {
  let body = serialized.get(issuer);
  if (body === undefined) {
    body = JSON.stringify(openApiDocument(issuer));
    serialized.set(issuer, body);
  }
  const json = body;
  return new Router().get(openApiPath, function openApi(ctx) {
    ctx.set('Cache-Control', 'public, max-age=300');
    // A public document: API tools on other origins (Swagger UI, editors) may read it.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = 'application/json';
    ctx.body = json;
  });
}
