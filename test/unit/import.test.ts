/**
 * HAR files through the panel store: a file Chrome DevTools wrote becomes read-only sockets beside the live ones, a
 * WS Lens export comes back as it left, and a bad file changes nothing.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Store } from '../../panel/store/store';
import { events, fromFrame, hello, socketLife, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

const chromeHar = fs.readFileSync(new URL('../fixtures/chrome-devtools.har', import.meta.url), 'utf8');

function liveStore() {
  const store = new Store(new FakeTransport());
  store.receive(fromFrame(hello('d')));
  store.receive(fromFrame(events('d', socketLife())));
  return store;
}
const snapshot = (store: Store) => ({
  sockets: [...store.log.socketOrder],
  frames: store.log.frames.map((f) => `${f.socketKey} ${f.direction} ${f.preview}`),
  docs: [...store.log.docs.keys()],
});

describe('importing a HAR into the panel', () => {
  it('adds the sockets of a Chrome DevTools export as a read-only document, decoded like live ones', async () => {
    const store = liveStore();
    expect(store.importHar('chrome.har', chromeHar)).toBeUndefined();
    const doc = [...store.log.docs.values()].find((d) => d.imported === 'chrome.har')!;
    expect(doc.gone).toBe(true);
    const sockets = store.log.socketOrder.map((k) => store.log.sockets.get(k)!).filter((x) => x.docId === doc.docId);
    expect(sockets.map((x) => new URL(x.url).pathname)).toEqual(['/echo', '/close']);
    const echo = sockets[0];
    expect(echo.protocol).toBe('json.v1');
    const frames = store.log.frames.filter((f) => f.socketKey === echo.key && f.payload);
    expect(frames.length).toBe(14);
    expect(frames.filter((f) => f.direction === 'sent').length).toBe(7);
    expect(frames.some((f) => f.payload!.type === 'binary' && f.payload!.size === 100)).toBe(true);
    // the imported sockets are selected, and nothing can be sent on them
    expect(store.selection.sockets).toEqual(new Set(sockets.map((x) => x.key)));
    expect(await store.act('send', { type: 'text', data: 'x' })).toMatch(/imported from chrome\.har/);
    expect(store.notices.at(-1)!.text).toMatch(/imported from chrome\.har/);
  });

  it('brings a WS Lens export back as it left', async () => {
    const store = new Store(new FakeTransport());
    store.receive(fromFrame(hello('d')));
    store.receive(
      fromFrame(
        events('d', [
          { kind: 'created', url: 'ws://127.0.0.1/rpc', protocols: ['jsonrpc'], stack: 'at app.js:3' },
          { kind: 'open', protocol: 'jsonrpc', extensions: '' },
          { kind: 'message', direction: 'sent', payload: text('{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}') },
          { kind: 'message', direction: 'received', payload: text('{"jsonrpc":"2.0","result":3,"id":1}') },
          { kind: 'message', direction: 'received', payload: { type: 'binary', data: 'AAEC/w==', size: 4, truncated: false } },
          { kind: 'close', code: 4001, reason: 'done', wasClean: true },
        ]),
      ),
    );
    const { text: har } = await store.exportHar();
    const before = store.log.frames.map((f) => [f.direction, f.kind, f.preview, f.decoded?.summary]);
    const again = new Store(new FakeTransport());
    expect(again.importHar('round.har', har)).toBeUndefined();
    const after = again.log.frames.map((f) => [f.direction, f.kind, f.preview, f.decoded?.summary]);
    expect(after).toEqual(before);
    const sock = again.log.sockets.get(again.log.socketOrder[0])!;
    expect([sock.url, sock.protocol, sock.code, sock.reason, sock.stack]).toEqual(['ws://127.0.0.1/rpc', 'jsonrpc', 4001, 'done', 'at app.js:3']);
    expect(sock.decoder.id).toBe('json-rpc');
  });

  it('refuses a broken, foreign or empty file with a clear message and leaves the log exactly as it was', () => {
    const store = liveStore();
    const before = snapshot(store);
    const cases: [string, RegExp][] = [
      ['{"log": {"entries": [', /JSON/],
      ['{"hello": 1}', /HAR/],
      [JSON.stringify({ log: { version: '1.2', creator: { name: 'Firefox', version: '140' }, entries: [{ request: { url: 'https://x.test/' } }] } }), /WebSocket/],
    ];
    for (const [file, why] of cases) {
      const error = store.importHar('bad.har', file);
      expect(error).toMatch(/^Could not import bad\.har: /);
      expect(error).toMatch(why);
      expect(snapshot(store)).toEqual(before);
    }
  });

  it('keeps imported sockets when the page navigates (they belong to no page)', () => {
    const store = liveStore();
    store.importHar('chrome.har', chromeHar);
    store.receive(fromFrame(hello('d2', 'http://127.0.0.1/next')));
    const docs = [...store.log.docs.values()];
    expect(docs.some((d) => d.imported === 'chrome.har')).toBe(true);
    expect(docs.some((d) => d.docId === 'd')).toBe(false);
  });
});
