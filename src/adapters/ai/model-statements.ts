import type { ActionName } from './ai-actions.js';

// A model's words are shown only as a marked note, and only the sentences whose claims about actions hold: what a
// sentence says happened must be something a use case did in this very message.

/** Claims a sentence may make about what happened, and the actions of this message that make each one true. */
const CLAIMS: ReadonlyArray<{ words: RegExp; madeTrueBy: readonly ActionName[] }> = [
  // Approvals are the approvers' alone; applies and rollbacks run only once the operator confirms, never in a message.
  { words: /\b(approv(e|ed|es|ing|al granted)|signed off|sign-off given)\b/i, madeTrueBy: [] },
  {
    words: new RegExp(
      [
        'applied|deployed|pushed|shipped|released|went live|now running',
        'rolled( \\S+)? out|rollout (succeeded|completed|finished|is done)',
        '(is|are) (now )?live|(is|are) (now )?running (in|on)',
      ]
        .map((words) => `\\b(${words})\\b`)
        .join('|'),
      'i',
    ),
    madeTrueBy: [],
  },
  { words: /\b(rolled( \S+)? back|reverted)\b/i, madeTrueBy: [] },
  { words: /\b(has|have|got) (the )?approvals?\b/i, madeTrueBy: [] },
  { words: /\b(cancell?ed|discarded|withdrawn)\b/i, madeTrueBy: ['cancel_release'] },
  { words: /\bsubmitted\b/i, madeTrueBy: ['submit_release'] },
  { words: /\b(drafted|promoted|created (a|the) (draft|release))\b/i, madeTrueBy: ['draft_release', 'propose_rollback'] },
  { words: /\bpreviewed\b/i, madeTrueBy: ['preview_release', 'draft_release', 'propose_rollback'] },
  // "Done!": true only when something was changed in this message.
  {
    words:
      /^(done|finished|completed|all set)\b|\b(it'?s|is|are|all|has been|have been) (done|completed?|finished|all set|taken care of)\b/i,
    madeTrueBy: ['draft_release', 'preview_release', 'submit_release', 'cancel_release', 'propose_rollback'],
  },
];

/** The longest note of a model shown, in characters. */
const MAX_NOTE = 600;

/** A sentence as its claims are judged: compatibility forms folded (look-alike letters), invisible characters gone. */
function normalized(sentence: string): string {
  return sentence.normalize('NFKC').replace(/[\u200B-\u200F\u2060-\u2064\uFEFF\u00AD]/g, '');
}

/**
 * True when every claim of the sentence is made true by an action of `performed`. A sentence with letters outside
 * the Latin scripts among Latin ones (a Cyrillic "е" in "dеployed") is judged to claim, as it cannot be read plainly.
 */
export function holds(sentence: string, performed: ReadonlySet<ActionName>): boolean {
  const text = normalized(sentence);
  if (/\p{Script=Latin}/u.test(text) && /[\p{Script=Cyrillic}\p{Script=Greek}]/u.test(text)) return false;
  return CLAIMS.every((c) => !c.words.test(text) || c.madeTrueBy.some((a) => performed.has(a)));
}

/**
 * Passes on a model's streamed text sentence by sentence, each only once whole and only when it holds; counts the
 * sentences it withheld. What it passed on, joined, is the model's note.
 */
export class StatementGate {
  private buffer = '';
  private readonly kept: string[] = [];
  withheld = 0;

  constructor(
    private readonly performed: ReadonlySet<ActionName>,
    private readonly onSentence: (sentence: string) => void,
  ) {}

  /** Takes a piece of the model's text; passes on each sentence it completes. */
  push(delta: string): void {
    this.buffer += delta;
    for (;;) {
      const end = /[.!?](\s|$)|\n/.exec(this.buffer);
      if (!end || (end.index + 1 === this.buffer.length && !/\n/.test(end[0]))) return;
      const cut = end.index + end[0].length;
      this.take(this.buffer.slice(0, cut));
      this.buffer = this.buffer.slice(cut);
    }
  }

  /** The rest of the text, taken as a last sentence. */
  flush(): void {
    this.take(this.buffer);
    this.buffer = '';
  }

  /** The sentences passed on, as one note (cut to its longest). */
  get note(): string {
    const note = this.kept.join(' ');
    return note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note;
  }

  private take(raw: string): void {
    const sentence = raw.replace(/\s+/g, ' ').trim();
    if (!sentence) return;
    if (!holds(sentence, this.performed)) {
      this.withheld += 1;
      return;
    }
    this.kept.push(sentence);
    this.onSentence(sentence);
  }
}
