import { createHash } from 'node:crypto';

/** `sha256:<hex>` of a text. */
export function sha256Digest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
