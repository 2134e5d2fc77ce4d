/** Replay: marked rows sent (or handed to the page) again, each as edited, at its original offset or all at once. */
import type { OutgoingPayload, ReplayItem } from '../../src/shared/protocol';
import type { Frame } from './model';
import { ANSWER_TIMEOUT_MS } from './pageClient';

export type ReplayTiming = 'original' | 'fast';

export function replayCommand(items: { frame: Frame; payload: OutgoingPayload }[], timing: ReplayTiming): { items: ReplayItem[]; waitMs: number } {
  const t0 = items[0].frame.mono;
  const list: ReplayItem[] = items.map(({ frame, payload }) => ({
    direction: frame.direction === 'received' ? 'received' : 'sent',
    payload,
    at: timing === 'original' ? Math.max(0, frame.mono - t0) : 0,
  }));
  // the page answers once the last item went out: with the original timing, that is the last offset from now
  const waitMs = timing === 'original' ? list[list.length - 1].at + ANSWER_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
  return { items: list, waitMs };
}
