// Builders for protocol messages, shared by the store, log and panel tests.
import { envelope, type BackgroundToPanel, type CaptureEvent, type PageToPanel } from '../../src/shared/protocol';

type Dist<T> = T extends unknown ? Omit<T, 'seq' | 'time' | 'mono' | 'sid'> & { sid?: number; time?: number } : never;

export function events(docId: string, list: Dist<CaptureEvent>[], startSeq = 0, dropped = 0): PageToPanel {
  return envelope({
    type: 'events' as const,
    docId,
    dropped,
    json: JSON.stringify(list.map((e, i) => ({ sid: 1, time: 1000 + i, mono: i, ...e, seq: startSeq + i }) as CaptureEvent)),
  });
}

export function hello(docId: string, url = 'http://127.0.0.1/'): PageToPanel {
  return envelope({ type: 'hello' as const, doc: { docId, url } });
}

export function fromFrame(message: PageToPanel, frameId = 0): BackgroundToPanel {
  return envelope({ type: 'from-frame' as const, frameId, message });
}

export const text = (data: string) => ({ type: 'text' as const, data, size: data.length, truncated: false });

/** a socket's usual life: created, open, one frame each way */
export function socketLife(url = 'ws://127.0.0.1/echo'): Dist<CaptureEvent>[] {
  return [
    { kind: 'created', url, protocols: [], stack: 'at page.js:1' },
    { kind: 'open', protocol: '', extensions: '' },
    { kind: 'message', direction: 'sent', payload: text('{"hello":1}'), bufferedAmount: 0 },
    { kind: 'message', direction: 'received', payload: text('{"hello":1}') },
  ];
}
