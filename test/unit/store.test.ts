import { describe, expect, it, vi } from 'vitest';
import { Store } from '../../panel/store/store';
import { envelope } from '../../src/shared/protocol';
import { events, fromFrame, hello, socketLife, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

/** the rows in view, as the table shows them */
const shownRows = (store: Store) => store.rowsInRange(0, store.counts().shown).map((f) => f!);

function setup() {
  const t = new FakeTransport();
  const store = new Store(t);
  store.receive(fromFrame(hello('d')));
  store.receive(fromFrame(events('d', socketLife())));
  return { t, store };
}

describe('panel store', () => {
  it('subscribes to a document that says hello, from the start', () => {
    const { t } = setup();
    expect(t.sent[0]).toEqual({ frameId: 0, docId: 'd', cmd: { cmd: 'subscribe', since: -1 } });
  });

  it('follows the newest live socket for the composer', () => {
    const { store } = setup();
    expect(store.selection.primary).toBe('d#1');
  });

  it('filters by text, regex, direction and invert', () => {
    const { store } = setup();
    store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('{"type":"chat","body":"Hi"}') }], 4)));
    const shown = () => shownRows(store).map((f) => f.preview);
    store.setFilter({ text: 'CHAT' });
    expect(shown()).toEqual(['{"type":"chat","body":"Hi"}']);
    store.setFilter({ text: '/"hello":\\d/' });
    expect(shown()).toHaveLength(2);
    store.setFilter({ direction: 'sent' });
    expect(shown()).toEqual(['{"hello":1}']);
    store.setFilter({ text: 'hello', direction: 'all', invert: true });
    expect(shown()).not.toContain('{"hello":1}');
    store.setFilter({ text: '/(/', invert: false });
    expect(store.compiled.error).toMatch(/Invalid regular expression/);
    expect(shown()).toEqual([]);
  });

  it('applies the filter to frames that arrive later', () => {
    const { store } = setup();
    store.setFilter({ text: 'needle' });
    store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('a needle') }], 4)));
    store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('hay') }], 5)));
    expect(shownRows(store).map((f) => f.preview)).toEqual(['a needle']);
  });

  it('sends on the selected socket and reports the page’s refusal as a notice', async () => {
    const { t, store } = setup();
    const done = store.act('send', { type: 'text', data: 'x' });
    const last = t.sent.at(-1)!;
    expect(last.cmd).toMatchObject({ cmd: 'send', sid: 1, payload: { type: 'text', data: 'x' } });
    const reqId = (last.cmd as { reqId: number }).reqId;
    store.receive(fromFrame(envelope({ type: 'result' as const, docId: 'd', reqId, ok: false, error: 'Not sent: the socket is CLOSED' })));
    expect(await done).toBe('Not sent: the socket is CLOSED');
    expect(store.notices.at(-1)?.text).toBe('Not sent: the socket is CLOSED');
  });

  it('only the frame and document asked can answer: another frame, or another document, settles nothing', async () => {
    const { t, store } = setup();
    const done = store.act('send', { type: 'text', data: 'x' });
    const reqId = (t.sent.at(-1)!.cmd as { reqId: number }).reqId;
    let settled = false;
    void done.then(() => (settled = true));
    // a cross-origin iframe (frame 5) and a stale document in frame 0 both claim success
    store.receive(fromFrame(envelope({ type: 'result' as const, docId: 'd', reqId, ok: true }), 5));
    store.receive(fromFrame(envelope({ type: 'result' as const, docId: 'other', reqId, ok: true })));
    await Promise.resolve();
    expect(settled).toBe(false);
    store.receive(fromFrame(envelope({ type: 'result' as const, docId: 'd', reqId, ok: false, error: 'Not sent: the socket is CLOSED' })));
    expect(await done).toBe('Not sent: the socket is CLOSED');
  });

  it("takes the rules' origin from the background's stamp, not from the url a document announces", () => {
    const t = new FakeTransport();
    const store = new Store(t);
    store.receive(fromFrame(envelope({ type: 'hello' as const, doc: { docId: 'd', url: 'https://bank.example/', origin: 'http://127.0.0.1:9998' } })));
    expect(store.rulesOrigin).toBe('http://127.0.0.1:9998');
  });

  it("page-dispatched events and sends on a closed socket are shown, marked, and are not the socket's traffic", () => {
    const { store } = setup();
    const before = { ...store.socket('d#1')! };
    store.receive(
      fromFrame(
        events(
          'd',
          [
            { kind: 'message', direction: 'received', origin: 'page', payload: text('page-made') },
            { kind: 'dispatched', type: 'close', code: 4999, reason: 'fake' },
            { kind: 'message', direction: 'sent', discarded: true, payload: text('too late') },
          ],
          4,
        ),
      ),
    );
    const sock = store.socket('d#1')!;
    expect([sock.state, sock.framesIn, sock.framesOut]).toEqual([before.state, before.framesIn, before.framesOut]);
    const shown = store.log.frames.slice(-3).map((f) => [f.kind, f.direction, f.preview, !!f.discarded]);
    expect(shown).toEqual([
      ['page', 'received', 'page-made', false],
      ['page', 'event', 'close 4999 "fake" dispatched by the page (not from the socket)', false],
      ['text', 'sent', 'too late', true],
    ]);
  });

  it('a page that never answers gives a clear message, not a hang', async () => {
    vi.useFakeTimers();
    const { store } = setup();
    const done = store.act('send', { type: 'text', data: 'x' });
    vi.advanceTimersByTime(6000);
    expect(await done).toMatch(/No answer from the page/);
    vi.useRealTimers();
  });

  it('pause skips messages but keeps lifecycle events, and does not replay them on resume', () => {
    const { store } = setup();
    store.setPaused(true);
    store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('while paused') }, { kind: 'close', code: 1000, reason: '', wasClean: true }], 4)));
    expect(store.pausedSkipped).toBe(1);
    expect(store.log.frames.map((f) => f.preview)).not.toContain('while paused');
    expect(store.socket('d#1')!.state).toBe('closed');
  });

  it('a new top document drops the old log unless preserve-log is on', () => {
    const { store } = setup();
    store.receive(fromFrame(hello('d2', 'http://127.0.0.1/next')));
    expect(store.log.sockets.size).toBe(0);
    store.setPreserveLog(true);
    store.receive(fromFrame(events('d2', socketLife())));
    store.receive(fromFrame(hello('d3')));
    expect(store.log.sockets.size).toBe(1);
  });

  it('sorts by size, and keeps new frames in that order', () => {
    vi.useFakeTimers();
    const { store } = setup();
    store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('a much longer frame') }], 4)));
    store.setSort('size');
    expect(shownRows(store)[0].preview).toBe('a much longer frame');
    store.receive(fromFrame(events('d', [{ kind: 'message', direction: 'received', payload: text('the very longest frame of all') }], 5)));
    vi.advanceTimersByTime(300);
    expect(shownRows(store)[0].preview).toBe('the very longest frame of all');
    vi.useRealTimers();
  });
});
