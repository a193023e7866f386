// Reads a request body as text, up to a limit, for endpoints that need the exact bytes (signature checks)
// or parse a small body themselves (introspection), or store it as it is (a fleet's documents). Undefined when the body is larger than `maxBytes`.
import type { Context } from 'koa';

export async function readRawBody(ctx: Context, maxBytes: number): Promise<string | undefined> {
  return (await readRawBytes(ctx, maxBytes))?.toString('utf8');
}

/** The body's bytes, up to a limit; undefined when it is larger than `maxBytes`. */
export async function readRawBytes(ctx: Context, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(ctx.get('content-length') || 0) > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
