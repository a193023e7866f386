// A fleet's documents (the image or PDF of a vehicle's registration certificate): JPEG, PNG or PDF of at
// most 5 MB, the type declared in Content-Type and proven by the file's own first bytes (its signature),
// so a PDF or an HTML page sent as image/png is refused.
import { createHash } from 'node:crypto';
import { KeyturnError } from '../errors.ts';
import type { FleetDocument, FleetDocumentsRepository } from '../storage/fleet-documents.ts';
import type { Fleet } from '../storage/fleets.ts';
import { newDocumentId } from './ids.ts';

export const maxDocumentBytes = 5 * 1024 * 1024;

const signatures: Record<string, Buffer> = {
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff]),
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'application/pdf': Buffer.from('%PDF-', 'latin1'),
};

export const documentTypes = Object.keys(signatures);

/** The type the bytes prove, if they are one of the accepted types. */
export function typeOfBytes(bytes: Buffer): string | undefined {
  return documentTypes.find((type) => {
    const signature = signatures[type] as Buffer;
    return bytes.length >= signature.length && bytes.subarray(0, signature.length).equals(signature);
  });
}

/** The media type of a Content-Type header, without parameters, lowercased. */
export const mediaType = (contentType: string) => (contentType.split(';')[0] ?? '').trim().toLowerCase();

export function documentTooLarge(): KeyturnError {
  return new KeyturnError(413, 'document_too_large', {
    messageKey: 'fleets:errors.document_too_large',
    messageValues: { max: `${maxDocumentBytes / (1024 * 1024)} MB` },
  });
}

/** The declared media type, if it is one a document may have (checked before the body is read). */
export function declaredDocumentType(contentType: string): string {
  const declared = mediaType(contentType);
  if (!documentTypes.includes(declared))
    throw new KeyturnError(415, 'unsupported_document_type', {
      messageKey: 'fleets:errors.unsupported_document_type',
    });
  return declared;
}

export async function storeDocument(
  documents: FleetDocumentsRepository,
  fleet: Fleet,
  contentType: string,
  bytes: Buffer,
): Promise<FleetDocument> {
  const declared = declaredDocumentType(contentType);
  if (bytes.length === 0)
    throw new KeyturnError(400, 'document_empty', { messageKey: 'fleets:errors.document_empty' });
  if (bytes.length > maxDocumentBytes) throw documentTooLarge();
  if (typeOfBytes(bytes) !== declared)
    throw new KeyturnError(415, 'document_type_mismatch', {
      messageKey: 'fleets:errors.document_type_mismatch',
      messageValues: { type: declared },
    });
  const document: FleetDocument = {
    id: newDocumentId(),
    fleetId: fleet.id,
    contentType: declared,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    createdAt: Date.now(),
  };
  await documents.insert(document, bytes);
  return document;
}
