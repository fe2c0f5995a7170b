import { checkpointPayload, type AuditCheckpoint } from '../core/audit/audit-checkpoint.js';
import { ChainVerifier, type ChainAnchor, type ChainVerification, type TimelineEvent } from '../core/audit/timeline-event.js';
import { ShipgateError } from '../core/errors.js';
import type { AuditKeys } from '../ports/audit-keys.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, type Caller } from './caller.js';

const PAGE = 1000;

/** A checkpoint as a client sends it back; `publicKey` may be left out (the server checks with its own key anyway). */
export type CheckpointClaim = Omit<AuditCheckpoint, 'publicKey'> & { publicKey?: string };

/**
 * The audit trail for admins: verify the keyed hash chain (optionally against a checkpoint kept outside the
 * database), sign checkpoints of its head, and export it.
 */
export class AuditUseCases {
  constructor(
    private readonly ctx: AppContext,
    private readonly keys: AuditKeys,
  ) {}

  /**
   * Checks every event's link and HMAC, in order, up to the head. With a checkpoint, whose signature must be this
   * server's (else `VALIDATION_FAILED`), the chain must also still hold the checkpoint's event with its exact hash.
   */
  async verify(caller: Caller, checkpoint?: CheckpointClaim): Promise<ChainVerification> {
    requireGlobal(caller, 'admin');
    const verifier = new ChainVerifier(this.keys, checkpoint ? this.anchorOf(checkpoint) : null);
    const head = await this.ctx.store.timeline.headSeq();
    for await (const event of this.events(0)) if (!verifier.push(event)) break;
    return verifier.result(head);
  }

  /** The head of the chain now, signed with the audit key's Ed25519 key pair. */
  async checkpoint(caller: Caller): Promise<AuditCheckpoint> {
    requireGlobal(caller, 'admin');
    const { seq, hash } = await this.ctx.store.timeline.head();
    const head = { seq, hash, at: this.ctx.nowIso() };
    return { ...head, signature: this.keys.sign(checkpointPayload(head)), publicKey: this.keys.publicKey };
  }

  /** Every event after `after`, in seq order, read page by page as the consumer pulls. The permission is checked now. */
  export(caller: Caller, after: number): AsyncIterable<TimelineEvent> {
    requireGlobal(caller, 'admin');
    return this.events(after);
  }

  private async *events(after: number): AsyncGenerator<TimelineEvent> {
    let cursor = after;
    for (;;) {
      const page = await this.ctx.store.timeline.scan(cursor, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      cursor = page[page.length - 1]!.seq;
    }
  }

  /** The point a genuine checkpoint pins; a checkpoint this server did not sign, exactly as sent, is refused. */
  private anchorOf(checkpoint: CheckpointClaim): ChainAnchor {
    if (checkpoint.publicKey !== undefined && checkpoint.publicKey !== this.keys.publicKey) {
      throw invalidCheckpoint('publicKey', "is not this server's audit public key");
    }
    if (!this.keys.verify(checkpointPayload(checkpoint), checkpoint.signature)) {
      throw invalidCheckpoint('signature', "is not this server's signature of the checkpoint's seq, hash and at");
    }
    return { seq: checkpoint.seq, hash: checkpoint.hash };
  }
}

function invalidCheckpoint(field: string, message: string): ShipgateError {
  const path = `/body/checkpoint/${field}`;
  return new ShipgateError('VALIDATION_FAILED', `${path} ${message}`, { errors: [{ path, message }] });
}
