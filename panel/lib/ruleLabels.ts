/** How the log names what traffic control did to a frame (a short tag for the table, a sentence for the detail). */
import type { Frame } from '../store/model';

export function ruleTag(f: Frame): string | undefined {
  if (f.discarded) return 'not sent: closed';
  const r = f.rule;
  if (!r) return f.queued ? 'waiting' : f.outcome ? outcomeTag(f) : undefined;
  switch (r.action) {
    case 'pause':
      return f.queued ? 'held' : outcomeTag(f);
    case 'drop':
      return 'dropped';
    case 'rewrite':
    case 'rewrite-json':
      // the rule matched but its find/replace changed nothing: say so rather than claim a rewrite
      if (f.original === undefined) return f.queued ? 'waiting' : 'unchanged';
      return f.queued ? 'rewritten, waiting' : 'rewritten';
    case 'delay':
      return f.queued ? `delayed ${r.ms} ms` : f.outcome === 'forwarded' ? `+${Math.round(f.waited ?? 0)} ms` : outcomeTag(f);
    case 'mock':
      return f.origin === 'mock' ? 'mock reply' : r.sent ? 'mocked, sent' : 'mocked';
  }
}

function outcomeTag(f: Frame): string {
  switch (f.outcome) {
    case 'edited':
      return 'edited';
    case 'dropped':
      return 'dropped';
    case 'timeout':
      return 'timed out';
    case 'released':
      return 'released';
    case 'socket-closed':
      return 'not sent: closed';
    default:
      return 'forwarded';
  }
}

/** The frame never reached the other side: dropped (by a rule or in the panel), answered by a mock instead, or unsent. */
export function wentNowhere(f: Frame): boolean {
  return f.discarded || f.outcome === 'dropped' || f.outcome === 'socket-closed' || f.rule?.action === 'drop' || (f.rule?.action === 'mock' && !f.rule.sent && f.origin !== 'mock');
}

const OUTCOME_TEXT: Record<string, string> = {
  forwarded: 'forwarded as it was',
  edited: 'forwarded edited',
  dropped: 'dropped',
  timeout: 'released as it was after the hold timeout',
  released: 'released as it was (rules stopped applying: panel closed, page left, or rules switched off)',
  'socket-closed': 'not sent: the socket had closed',
};

export function ruleSentence(f: Frame): string | undefined {
  if (f.discarded) return 'Not sent: the page called send() while the socket was closing or closed, and the browser discarded the frame.';
  const r = f.rule;
  const rule = r ? `Rule “${r.name}”` : 'No rule matched, but a frame ahead of it was waiting';
  const what = !r
    ? ''
    : r.action === 'pause'
      ? ': held'
      : r.action === 'drop'
        ? f.direction === 'sent'
          ? ': dropped, it never went out'
          : ': dropped, the page never saw it'
        : r.action === 'delay'
          ? `: delayed ${r.ms} ms`
          : r.action === 'mock'
            ? f.origin === 'mock'
              ? ': this is its mock reply'
              : r.sent
                ? ': answered with a mock reply, and sent'
                : ': answered with a mock reply instead of being sent'
            : f.original === undefined
              ? ': matched, but its rewrite changed nothing'
              : ': rewritten';
  if (!r && !f.queued && !f.outcome) return undefined;
  const after = f.queued ? '; waiting' : f.outcome ? `; ${OUTCOME_TEXT[f.outcome]} after ${Math.round(f.waited ?? 0)} ms` : '';
  return rule + what + after + '.';
}
