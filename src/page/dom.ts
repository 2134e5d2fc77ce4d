/**
 * The DOM interfaces of the global the hook is installed in, captured from that global when the hook installs (see
 * natives.ts for why everything is captured). A function of the global, not of the module's realm, so the hook can
 * wrap a DOM that is not `globalThis` (jsdom's window in unit tests) and, later, a worker's global.
 */
import { getter, uncurry } from './natives';

/** What the hook needs of a global: the page's window, or anything shaped like one. */
export type HookGlobal = typeof globalThis & {
  WebSocket: typeof WebSocket;
  EventTarget: typeof EventTarget;
  Event: typeof Event;
  MessageEvent: typeof MessageEvent;
  CloseEvent?: typeof CloseEvent;
  FileReader?: typeof FileReader;
};

export function captureDom(g: HookGlobal) {
  const eventTarget = g.EventTarget.prototype;
  const event = g.Event.prototype;
  return {
    addEventListener: uncurry(eventTarget.addEventListener) as (t: EventTarget, type: string, fn: (e: never) => void, capture?: boolean) => void,
    dispatchEvent: uncurry(eventTarget.dispatchEvent) as (t: EventTarget, e: Event) => boolean,
    stopImmediatePropagation: uncurry(event.stopImmediatePropagation) as (e: Event) => void,
    eventType: getter(event, 'type') as (e: Event) => string,
    Event: g.Event,
    MessageEvent: g.MessageEvent,
    // the hook reads the data of its own events too, and a page that redefined MessageEvent.prototype.data would
    // otherwise be called with them
    messageEventData: getter(g.MessageEvent.prototype, 'data'),
    // a global without CloseEvent or FileReader (Node, in unit tests) has nothing of that kind: getter() answers so
    CloseEvent: g.CloseEvent as typeof CloseEvent,
    closeEventCode: getter(g.CloseEvent?.prototype, 'code') as (e: Event) => number,
    closeEventReason: getter(g.CloseEvent?.prototype, 'reason') as (e: Event) => string,
    closeEventWasClean: getter(g.CloseEvent?.prototype, 'wasClean') as (e: Event) => boolean,
    FileReader: g.FileReader as typeof FileReader,
    readAsArrayBuffer: uncurry(g.FileReader?.prototype.readAsArrayBuffer ?? (() => {})) as (r: FileReader, b: Blob) => void,
    fileReaderResult: getter(g.FileReader?.prototype, 'result') as (r: FileReader) => unknown,
  };
}

export type Dom = ReturnType<typeof captureDom>;
