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
    case 'jitter':
      return f.queued ? `jitter ${r.ms} ms` : f.outcome === 'forwarded' ? `+${Math.round(f.waited ?? 0)} ms` : outcomeTag(f);
    case 'loss':
      return 'lost';
    case 'duplicate':
      return r.copy ? 'duplicate' : 'duplicated';
    case 'disconnect':
      return f.direction === 'event' ? `disconnect ${r.code}` : r.cut ? 'cut off' : 'then disconnect';
    case 'server-down':
      return 'refused';
    case 'offline':
      return 'offline';
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
  return f.discarded || f.outcome === 'dropped' || f.outcome === 'socket-closed' || f.rule?.action === 'drop' || f.rule?.action === 'loss' || !!f.rule?.cut || (f.rule?.action === 'mock' && !f.rule.sent && f.origin !== 'mock');
}

const OUTCOME_TEXT: Record<string, string> = {
  forwarded: 'forwarded as it was',
  edited: 'forwarded edited',
  dropped: 'dropped',
  timeout: 'released as it was after the hold timeout',
  released: 'released as it was (rules stopped applying: panel closed, page left, or rules switched off)',
  'socket-closed': 'not sent: the socket had closed',
};

/** What a chaos rule did to a socket, said on its created, error and close rows. */
function chaosEventSentence(f: Frame, r: NonNullable<Frame['rule']>): string {
  const who = r.action === 'offline' ? 'The offline switch' : `Rule “${r.name}”`;
  // a close row says in its preview whether the socket had opened (and WS Lens closed it) or never connected
  const dropped = f.label === 'close' && f.preview.includes('closed by WS Lens');
  if (r.action === 'server-down' || (r.action === 'offline' && !dropped))
    return `${who}: refused. The socket never connected (the server saw nothing); the page saw it fail as a refused connection does.`;
  if (dropped)
    return `${who}: the page heard this close; WS Lens closed the real socket${r.action === 'offline' ? ', as the network would' : ''}.`;
  return `${who}.`;
}

export function ruleSentence(f: Frame): string | undefined {
  if (f.discarded) return 'Not sent: the page called send() while the socket was closing or closed, and the browser discarded the frame.';
  const r = f.rule;
  if (r && f.direction === 'event') return chaosEventSentence(f, r);
  const rule = r ? (r.action === 'offline' ? 'The offline switch' : `Rule “${r.name}”`) : 'No rule matched, but a frame ahead of it was waiting';
  const what = !r
    ? ''
    : r.action === 'jitter'
      ? `: delayed ${r.ms} ms (jitter, drawn from the rule's seed)`
      : r.action === 'loss'
        ? f.direction === 'sent'
          ? ': lost, it never went out'
          : ': lost, the page never saw it'
        : r.action === 'duplicate'
          ? r.copy
            ? ': this is the copy'
            : ': duplicated, a copy follows'
          : r.action === 'disconnect'
            ? r.cut
              ? ': the socket was being disconnected, this frame went nowhere'
              : ': the socket was disconnected after this frame'
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
