import { describe, expect, it } from 'vitest';
import {
  decodeEvents,
  envelope,
  isBackgroundToBridge,
  isPageToPanel,
  isPanelToBackground,
  isPanelToPage,
  PROTOCOL_VERSION,
  SOURCE,
} from '../../src/shared/protocol';

describe('protocol guards', () => {
  it('envelope tags source and version', () => {
    expect(envelope({ type: 'x' })).toEqual({ source: SOURCE, v: PROTOCOL_VERSION, type: 'x' });
  });

  it('accepts well-formed page messages and rejects look-alikes', () => {
    expect(isPageToPanel(envelope({ type: 'hello', doc: { docId: 'd', url: 'http://x/' } }))).toBe(true);
    expect(isPageToPanel(envelope({ type: 'events', docId: 'd', json: '[]', dropped: 0 }))).toBe(true);
    expect(isPageToPanel(envelope({ type: 'events', docId: 'd', json: [], dropped: 0 }))).toBe(false);
    expect(isPageToPanel({ source: SOURCE, v: PROTOCOL_VERSION + 1, type: 'hello', doc: { docId: 'd', url: '' } })).toBe(false);
    expect(isPageToPanel({ source: 'other', v: PROTOCOL_VERSION, type: 'hello', doc: { docId: 'd', url: '' } })).toBe(false);
    expect(isPageToPanel(null)).toBe(false);
    expect(isPageToPanel('ws-lens')).toBe(false);
    // a command is never a page->panel message, whatever else it carries
    expect(isPageToPanel(envelope({ type: 'command', docId: 'd', cmd: 'send', reqId: 1 }))).toBe(false);
  });

  it('decodes a batch, and a malformed one to nothing', () => {
    const ev = { seq: 0, sid: 1, mono: 1, time: 2, kind: 'error' };
    expect(decodeEvents(envelope({ type: 'events' as const, docId: 'd', json: JSON.stringify([ev, { junk: 1 }, 3]), dropped: 0 }))).toEqual([ev]);
    expect(decodeEvents(envelope({ type: 'events' as const, docId: 'd', json: '{not json', dropped: 0 }))).toEqual([]);
    expect(decodeEvents(envelope({ type: 'events' as const, docId: 'd', json: '{"a":1}', dropped: 0 }))).toEqual([]);
  });

  it('panel commands need a known verb and a target document', () => {
    expect(isPanelToPage(envelope({ type: 'command', docId: 'd', cmd: 'send', reqId: 1, sid: 1, payload: { type: 'text', data: 'x' } }))).toBe(true);
    expect(isPanelToPage(envelope({ type: 'command', docId: 'd', cmd: 'eval' }))).toBe(false);
    expect(isPanelToPage(envelope({ type: 'command', cmd: 'send' }))).toBe(false);
  });

  it('panel->background and background->bridge shapes', () => {
    expect(isPanelToBackground(envelope({ type: 'panel-hello', tabId: 3 }))).toBe(true);
    expect(isPanelToBackground(envelope({ type: 'panel-hello', tabId: '3' }))).toBe(false);
    const cmd = envelope({ type: 'command', docId: 'd', cmd: 'unsubscribe' });
    expect(isPanelToBackground(envelope({ type: 'to-frame', frameId: 0, message: cmd }))).toBe(true);
    expect(isPanelToBackground(envelope({ type: 'to-frame', frameId: 0, message: { cmd: 'send' } }))).toBe(false);
    expect(isBackgroundToBridge(envelope({ type: 'panel-present' }))).toBe(true);
    expect(isBackgroundToBridge(envelope({ type: 'bridge-hello' }))).toBe(false);
  });
});
