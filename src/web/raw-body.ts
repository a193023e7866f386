// Reads a request body as text, up to a limit, for endpoints that need the exact bytes (signature checks)
// or parse a small body themselves (introspection). Undefined when the body is larger than `maxBytes`.
import type { Context } from 'koa';

export async function readRawBody(ctx: Context, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
