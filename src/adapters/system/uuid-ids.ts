import { randomBytes } from 'node:crypto';
import type { Ids } from '../../ports/ids.js';

/**
 * UUIDv7 (RFC 9562): a millisecond timestamp then random bits, so ids sort by creation time and make stable
 * cursors. Within one millisecond a counter keeps them increasing.
 */
export class UuidV7Ids implements Ids {
  private lastMs = 0;
  private counter = 0;

  newId(): string {
    let ms = Date.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter += 1;
      if (this.counter > 0xfff) {
        ms += 1;
        this.counter = 0;
      }
    } else {
      this.counter = 0;
    }
    this.lastMs = ms;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | ((this.counter >> 8) & 0x0f);
    bytes[7] = this.counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  randomBytes(n: number): Uint8Array {
    return randomBytes(n);
  }
}
