/**
 * The background router with fake ports: routing by the sender's tab and frame, never by what a page says.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { envelope, PORT_BRIDGE, PORT_PANEL } from '../../src/shared/protocol';
import { hello } from './fixtures';

type Listener = (...a: unknown[]) => unknown;
class FakeEvent {
  listeners: Listener[] = [];
  addListener(l: Listener) {
    this.listeners.push(l);
  }
  fire(...a: unknown[]) {
    return this.listeners.map((l) => l(...a));
  }
}
class FakePort {
  onMessage = new FakeEvent();
  onDisconnect = new FakeEvent();
  posted: unknown[] = [];
  constructor(
    public name: string,
    public sender?: { tab?: { id: number }; frameId?: number; url?: string; origin?: string },
  ) {}
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  disconnect() {}
}

const fake = {
  runtime: { onConnect: new FakeEvent(), onMessage: new FakeEvent() },
  tabs: { sendMessage: vi.fn(() => Promise.resolve()), onRemoved: new FakeEvent() },
};
vi.mock('webextension-polyfill', () => ({ default: fake }));

beforeEach(async () => {
  vi.resetModules();
  fake.runtime.onConnect = new FakeEvent();
  fake.runtime.onMessage = new FakeEvent();
  fake.tabs.sendMessage.mockClear();
  await import('../../src/background/router');
});

function connectPanel(tabId: number) {
  const p = new FakePort(PORT_PANEL);
  fake.runtime.onConnect.fire(p);
  p.onMessage.fire(envelope({ type: 'panel-hello', tabId }));
  return p;
}
function connectBridge(tabId: number, frameId: number, where: { url?: string; origin?: string } = { url: 'http://127.0.0.1/' }) {
  const p = new FakePort(PORT_BRIDGE, { tab: { id: tabId }, frameId, ...where });
  fake.runtime.onConnect.fire(p);
  return p;
}

describe('background router', () => {
  it('a panel arriving wakes the bridges of its tab only', () => {
    connectPanel(7);
    expect(fake.tabs.sendMessage).toHaveBeenCalledWith(7, envelope({ type: 'panel-present' }));
  });

  it('forwards a frame’s messages to its own tab’s panel, tagged with the real frameId', () => {
    const panel7 = connectPanel(7);
    const panel8 = connectPanel(8);
    const bridge = connectBridge(7, 3);
    bridge.onMessage.fire(hello('doc'));
    const stamped = { ...hello('doc'), doc: { docId: 'doc', url: 'http://127.0.0.1/', origin: 'http://127.0.0.1', context: 'document' } };
    expect(panel7.posted).toEqual([envelope({ type: 'from-frame', frameId: 3, message: stamped })]);
    expect(panel8.posted).toEqual([]);
  });

  it("takes a document's origin from the browser, never from what the page says", () => {
    const panel = connectPanel(7);
    // Chrome gives the sender's origin (an about:blank frame has its creator's); Firefox only its url
    const chrome = connectBridge(7, 1, { url: 'about:blank', origin: 'http://127.0.0.1:9998' });
    const firefox = connectBridge(7, 2, { url: 'http://127.0.0.1:9998/page.html' });
    const lie = { ...hello('a'), doc: { docId: 'a', url: 'https://bank.example/', origin: 'https://bank.example' } };
    chrome.onMessage.fire(lie);
    firefox.onMessage.fire({ ...lie, doc: { ...lie.doc, docId: 'b' } });
    const origins = panel.posted.map((m) => (m as { message: { doc: { origin: string } } }).message.doc.origin);
    expect(origins).toEqual(['http://127.0.0.1:9998', 'http://127.0.0.1:9998']);
  });

  it('drops anything from a page that is not a page->panel message (a forged command goes nowhere)', () => {
    const panel = connectPanel(7);
    const bridge = connectBridge(7, 0);
    bridge.onMessage.fire(envelope({ type: 'command', docId: 'd', cmd: 'send', reqId: 1, sid: 1, payload: { type: 'text', data: 'x' } }));
    bridge.onMessage.fire(envelope({ type: 'to-frame', frameId: 0, message: {} }));
    expect(panel.posted).toEqual([]);
    expect(bridge.posted).toEqual([]);
  });

  it('routes panel commands to the frame, or answers that the frame is gone', () => {
    const panel = connectPanel(7);
    const bridge = connectBridge(7, 0);
    const cmd = envelope({ type: 'command', docId: 'd', cmd: 'send', reqId: 5, sid: 1, payload: { type: 'text', data: 'x' } });
    panel.onMessage.fire(envelope({ type: 'to-frame', frameId: 0, message: cmd }));
    expect(bridge.posted).toEqual([cmd]);
    panel.onMessage.fire(envelope({ type: 'to-frame', frameId: 9, message: cmd }));
    expect(panel.posted.at(-1)).toMatchObject({ type: 'route-error', frameId: 9, reqId: 5 });
  });

  it('tells the bridges when the panel goes, and the panel when a frame goes', () => {
    const panel = connectPanel(7);
    const bridge = connectBridge(7, 0);
    bridge.onMessage.fire(hello('doc'));
    bridge.onDisconnect.fire();
    expect(panel.posted.at(-1)).toEqual(envelope({ type: 'frame-gone', frameId: 0, docId: 'doc' }));
    panel.onDisconnect.fire();
    expect(fake.tabs.sendMessage).toHaveBeenLastCalledWith(7, envelope({ type: 'panel-gone' }));
  });

  it('answers a starting bridge whether its tab has a panel', async () => {
    connectPanel(7);
    const [yes] = fake.runtime.onMessage.fire(envelope({ type: 'bridge-hello' }), { tab: { id: 7 } });
    const [no] = fake.runtime.onMessage.fire(envelope({ type: 'bridge-hello' }), { tab: { id: 8 } });
    expect(await yes).toEqual({ panel: true });
    expect(await no).toEqual({ panel: false });
  });
});
