/** The page client: one waiter per request, settled only by whom it asked, at most once, its timer cleared. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ANSWER_TIMEOUT_MS, PageClient, PAYLOAD_TIMEOUT_MS } from '../../panel/store/pageClient';
import { FakeTransport } from './lib/fakeTransport';
import { text } from './fixtures';

const to = { frameId: 0, docId: 'd' };
const reqIdOf = (t: FakeTransport) => (t.commands.at(-1) as { reqId: number }).reqId;

afterEach(() => {
  vi.useRealTimers();
});

describe('page client', () => {
  it('numbers each request and sends it to its frame and document', () => {
    const t = new FakeTransport();
    const client = new PageClient(t);
    void client.request(to, { cmd: 'resume-all' });
    void client.request({ frameId: 3, docId: 'e' }, { cmd: 'close', sid: 1 });
    expect(t.sent).toEqual([
      { frameId: 0, docId: 'd', cmd: { cmd: 'resume-all', reqId: 1 } },
      { frameId: 3, docId: 'e', cmd: { cmd: 'close', sid: 1, reqId: 2 } },
    ]);
  });

  it('only the frame and document asked settle a request, with the answer of its kind, once', async () => {
    vi.useFakeTimers();
    const t = new FakeTransport();
    const client = new PageClient(t);
    const done = client.request(to, { cmd: 'send', sid: 1, payload: { type: 'text', data: 'x' } });
    const reqId = reqIdOf(t);
    let settled = false;
    void done.then(() => (settled = true));
    client.answer(reqId, { frameId: 5, docId: 'd' }, 'result', {});
    client.answer(reqId, { frameId: 0, docId: 'other' }, 'result', {});
    client.answer(reqId, to, 'payload', { payload: text('no') });
    await Promise.resolve();
    expect(settled).toBe(false);
    client.answer(reqId, to, 'result', { error: 'Not sent' });
    client.answer(reqId, to, 'result', {});
    expect(await done).toEqual({ error: 'Not sent' });
    // settled: its timeout is gone with it
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a payload request resolves with the payload', async () => {
    const t = new FakeTransport();
    const client = new PageClient(t);
    const done = client.request(to, { cmd: 'payload', seq: 4 });
    client.answer(reqIdOf(t), to, 'payload', { payload: text('whole') });
    expect(await done).toEqual({ payload: text('whole') });
  });

  it('gives up when the page never answers, a payload later than a command', async () => {
    vi.useFakeTimers();
    const client = new PageClient(new FakeTransport());
    const cmd = client.request(to, { cmd: 'resume-all' });
    const payload = client.request(to, { cmd: 'payload', seq: 1 });
    vi.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    expect(await cmd).toEqual({ error: 'No answer from the page (it may have navigated or closed).' });
    vi.advanceTimersByTime(PAYLOAD_TIMEOUT_MS - ANSWER_TIMEOUT_MS);
    expect(await payload).toEqual({ error: 'No answer from the page (it may have navigated).' });
  });

  it('a request the background could not deliver fails at once', async () => {
    const t = new FakeTransport();
    const client = new PageClient(t);
    const done = client.request(to, { cmd: 'payload', seq: 1 });
    client.undeliverable(reqIdOf(t), to, 'That frame is gone.');
    expect(await done).toEqual({ error: 'That frame is gone.' });
  });

  it('posts commands that have no answer without waiting', () => {
    vi.useFakeTimers();
    const t = new FakeTransport();
    new PageClient(t).post(to, { cmd: 'subscribe', since: -1 });
    expect(t.commands).toEqual([{ cmd: 'subscribe', since: -1 }]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
