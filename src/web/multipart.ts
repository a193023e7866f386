// Parses a multipart/form-data request (RFC 7578), the only way a browser without JavaScript uploads a
// file: text fields into `ctx.request.body` (so the CSRF check reads its token as for any form), at most
// one file into `ctx.state.upload`, kept in memory up to `maxFileBytes`. A larger file is marked
// `truncated`, never passed on whole. Other requests pass through untouched.
import busboy from 'busboy';
import type { Context, Next } from 'koa';
import { KeyturnError } from '../errors.ts';

export interface Upload {
  field: string;
  filename: string;
  declaredType: string;
  bytes: Buffer;
  /** The file was larger than allowed; `bytes` holds only the start. */
  truncated: boolean;
}

export function multipartForms(options: { maxFileBytes: number; maxFields?: number }) {
  return async function multipartForms(ctx: Context, next: Next) {
    if (!ctx.is('multipart/form-data')) return next();
    const fields: Record<string, string> = {};
    let upload: Upload | undefined;
    await new Promise<void>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: ctx.req.headers,
          limits: {
            files: 1,
            fileSize: options.maxFileBytes,
            fields: options.maxFields ?? 30,
            fieldSize: 16 * 1024,
          },
        });
      } catch (error) {
        return reject(new KeyturnError(400, 'invalid_input', { cause: error }));
      }
      parser.on('field', (name, value) => {
        fields[name] = value;
      });
      parser.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        let truncated = false;
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('limit', () => {
          truncated = true;
        });
        stream.on('close', () => {
          const bytes = Buffer.concat(chunks);
          // A file input left empty still sends a part, with no name and no bytes.
          if (info.filename || bytes.length > 0)
            upload = { field, filename: info.filename ?? '', declaredType: info.mimeType, bytes, truncated };
        });
      });
      parser.on('error', (error) => reject(new KeyturnError(400, 'invalid_input', { cause: error })));
      parser.on('close', () => resolve());
      ctx.req.pipe(parser);
    });
    ctx.request.body = fields;
    ctx.state.upload = upload;
    await next();
  };
}

export const uploadOf = (ctx: Context): Upload | undefined => ctx.state.upload as Upload | undefined;
