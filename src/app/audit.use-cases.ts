import { ChainVerifier, type ChainVerification } from '../core/audit/timeline-event.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, type Caller } from './caller.js';

const PAGE = 1000;

/** Checks that the timeline's hash chain is intact: no event altered, removed or inserted. */
export class AuditUseCases {
  constructor(private readonly ctx: AppContext) {}

  async verify(caller: Caller): Promise<ChainVerification> {
    requireGlobal(caller, 'admin');
    const verifier = new ChainVerifier();
    const head = await this.ctx.store.timeline.headSeq();
    let after = 0;
    for (;;) {
      const page = await this.ctx.store.timeline.scan(after, PAGE);
      for (const event of page) if (!verifier.push(event)) return verifier.result(head);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.seq;
    }
    return verifier.result(head);
  }
}
