import { describe, expect, it } from 'vitest';
import { applyPageMessage, clearLog, createLog, dropOtherDocs, heldFrames, markDocGone, rate, rowById, runsOf } from '../../panel/store/log';
import { events, hello, socketLife, text } from './fixtures';

describe('the log', () => {
  it("reads a frame's handler runs in both wire forms: a runs array, or the one listener's name", () => {
    const s = createLog();
    applyPageMessage(s, 0, hello('d1'));
    const [created, open] = socketLife();
    applyPageMessage(
      s,
      0,
      events('d1', [
        created,
        open,
        { kind: 'message', direction: 'received', payload: text('a'), handler: 'onTick', handlerMs: 1.5 },
        { kind: 'message', direction: 'received', payload: text('b'), handlers: [{ name: 'first', ms: 1 }, { name: 'second', ms: 2, threw: { message: 'no' } }], handlerMs: 3 },
        { kind: 'message', direction: 'received', payload: text('c') },
      ]),
    );
    const [a, b, c] = s.frames.filter((f) => f.direction === 'received');
    expect(runsOf(a)).toEqual([{ name: 'onTick', ms: 1.5 }]);
    expect([a.handler, a.handlerMs, a.handlers]).toEqual(['onTick', 1.5, undefined]);
    expect(runsOf(b)?.map((r) => r.name)).toEqual(['first', 'second']);
    expect([b.threw, b.handlerMs]).toEqual([true, 3]);
    expect(runsOf(c)).toBeUndefined();
    // runs that come after their frame, in the short form too
    applyPageMessage(s, 0, events('d1', [{ kind: 'handled', ref: c.seq, handler: 'late', handlerMs: 0.2 }], 5));
    expect(runsOf(c)).toEqual([{ name: 'late', ms: 0.2 }]);
  });

  it('builds sockets and frames from a socket life', () => {
    const s = createLog();
    expect(applyPageMessage(s, 0, hello('d1'))).toEqual({ subscribe: { docId: 'd1', since: -1 } });
    applyPageMessage(s, 0, events('d1', socketLife()));
    const sock = s.sockets.get('d1#1')!;
    expect(sock.state).toBe('open');
    expect(sock.url).toBe('ws://127.0.0.1/echo');
    expect([sock.framesIn, sock.framesOut, sock.bytesIn, sock.bytesOut]).toEqual([1, 1, 11, 11]);
    expect(s.frames.map((f) => [f.direction, f.kind])).toEqual([
      ['event', 'event'],
      ['event', 'event'],
      ['sent', 'text'],
      ['received', 'text'],
    ]);
  });

  it('records close code, reason and cleanliness', () => {
    const s = createLog();
    applyPageMessage(s, 0, events('d', [...socketLife(), { kind: 'close', code: 4001, reason: 'bye', wasClean: true }]));
    const sock = s.sockets.get('d#1')!;
    expect([sock.state, sock.code, sock.reason, sock.wasClean]).toEqual(['closed', 4001, 'bye', true]);
    expect(s.frames.at(-1)!.preview).toBe('close 4001 "bye"');
  });

  it('is idempotent over replays: seq already seen is skipped', () => {
    const s = createLog();
    applyPageMessage(s, 0, events('d', socketLife()));
    applyPageMessage(s, 0, events('d', socketLife())); // same seqs again (a reconnect replay)
    expect(s.frames).toHaveLength(4);
    // a known document resumes after its last seq
    expect(applyPageMessage(s, 0, hello('d'))).toEqual({ subscribe: { docId: 'd', since: 3 } });
  });

  it('counts events the page dropped before the panel read them', () => {
    const s = createLog();
    applyPageMessage(s, 0, events('d', [], 0, 1234));
    expect(s.droppedInPage).toBe(1234);
    expect(s.docs.get('d')!.dropped).toBe(1234);
  });

  it('trims the oldest frames past the limit and counts them, keeping ids stable', () => {
    const s = createLog(1000);
    const many = Array.from({ length: 2500 }, (_, i) => ({ kind: 'message' as const, direction: 'received' as const, payload: text('m' + i) }));
    applyPageMessage(s, 0, events('d', [{ kind: 'created', url: 'ws://x/', protocols: [], stack: '' }, ...many]));
    expect(s.frames.length).toBeLessThanOrEqual(1000);
    expect(s.trimmed + s.frames.length).toBe(2501);
    const last = s.frames.at(-1)!;
    expect(rowById(s, last.id)).toBe(last);
    expect(last.preview).toBe('m2499');
  });

  it('tracks bufferedAmount samples with sends marked', () => {
    const s = createLog();
    applyPageMessage(
      s,
      0,
      events('d', [
        ...socketLife(),
        { kind: 'message', direction: 'sent', payload: text('x'.repeat(100)), bufferedAmount: 100 },
        { kind: 'buffered', amount: 40 },
        { kind: 'buffered', amount: 0 },
      ]),
    );
    const sock = s.sockets.get('d#1')!;
    expect(sock.bufferedAmount).toBe(0);
    expect(sock.buffered.map((b) => [b.amount, !!b.send])).toEqual([
      [0, true],
      [100, true],
      [40, false],
      [0, false],
    ]);
  });

  it('previews binary and injected frames for the table', () => {
    const s = createLog();
    applyPageMessage(
      s,
      0,
      events('d', [
        { kind: 'message', direction: 'received', payload: { type: 'binary', data: 'AQID', size: 3, truncated: false } },
        { kind: 'message', direction: 'received', payload: text('fake'), origin: 'injected' },
        { kind: 'message', direction: 'sent', payload: text('line1\nline2') },
      ]),
    );
    expect(s.frames.map((f) => [f.kind, f.preview])).toEqual([
      ['binary', 'Binary, 3 bytes'],
      ['injected', 'fake'],
      ['text', 'line1 line2'],
    ]);
  });

  it('clear keeps live sockets; a new document without preserve-log drops the old ones', () => {
    const s = createLog();
    applyPageMessage(s, 0, events('old', socketLife()));
    applyPageMessage(s, 0, events('new', socketLife()));
    clearLog(s);
    expect(s.frames).toHaveLength(0);
    expect(s.sockets.size).toBe(2);
    applyPageMessage(s, 0, events('new', [{ kind: 'message', direction: 'received', payload: text('after') }], 4));
    dropOtherDocs(s, new Set(['new']));
    expect([...s.sockets.keys()]).toEqual(['new#1']);
    expect(s.frames.map((f) => f.preview)).toEqual(['after']);
    expect(rowById(s, s.frames[0].id)?.preview).toBe('after');
  });

  it('rate counts the last second', () => {
    expect(rate([0, 100, 1500, 1900, 2000], 2000)).toBe(3);
  });
});

describe('traffic control in the log', () => {
  it('marks queued frames, lists held ones, and applies their verdicts', () => {
    const s = createLog();
    const rule = { id: 'r1', name: 'hold', action: 'pause' as const };
    applyPageMessage(s, 0, hello('d'));
    applyPageMessage(
      s,
      0,
      events('d', [
        ...socketLife(),
        { kind: 'message', direction: 'sent', payload: text('held'), rule, queued: true },
        { kind: 'message', direction: 'sent', payload: text('behind'), queued: true },
      ]),
    );
    expect(heldFrames(s).map((f) => f.preview)).toEqual(['held']);
    applyPageMessage(
      s,
      0,
      events(
        'd',
        [
          { kind: 'verdict', ref: 4, outcome: 'edited', waited: 1200, payload: text('changed') },
          { kind: 'verdict', ref: 5, outcome: 'forwarded', waited: 1201 },
        ],
        6,
      ),
    );
    expect(heldFrames(s)).toEqual([]);
    const [held, behind] = s.frames.slice(-2);
    expect([held.queued, held.outcome, held.waited, held.edited?.data]).toEqual([false, 'edited', 1200, 'changed']);
    expect([behind.queued, behind.outcome]).toEqual([false, 'forwarded']);
    // verdicts add no rows
    expect(s.frames.length).toBe(6);
  });

  it('stops waiting for verdicts of a document that went away', () => {
    const s = createLog();
    applyPageMessage(s, 0, events('d', [...socketLife(), { kind: 'message', direction: 'sent', payload: text('x'), rule: { id: 'r', name: 'r', action: 'pause' }, queued: true }]));
    markDocGone(s, 'd');
    expect(heldFrames(s)).toEqual([]);
  });
});
