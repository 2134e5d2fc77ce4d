import { beforeAll, describe, expect, it, vi } from 'vitest';
import { compileRule, newDraft } from '../../panel/lib/rules';
import type { Rule } from '../../src/shared/protocol';
import type { LensSocket } from '../../src/page/socket';

// the hook captures setTimeout when it loads: fake the clock first, then load it
vi.useFakeTimers();
let createControl: typeof import('../../src/page/control').createControl;
beforeAll(async () => {
  ({ createControl } = await import('../../src/page/control'));
});

function rule(patch: Parameters<typeof newDraft>[0]): Rule {
  const c = compileRule(newDraft(patch));
  if (!c.rule) throw new Error(c.error);
  return c.rule;
}

/** a control with fake sockets: records what went on the wire, what the page got, and the events for the panel */
function setup(rules: Rule[], holdTimeoutMs = 30_000) {
  const wire: string[] = [];
  const page: string[] = [];
  const events: Record<string, unknown>[] = [];
  let open = true;
  // a socket as the adapters give it to traffic control: what goes on the wire, what the page is handed
  const socket: LensSocket = {
    sid: 1,
    url: () => 'ws://127.0.0.1/echo',
    readyState: () => (open ? 1 : 3),
    bufferedAmount: () => 0,
    binaryType: () => 'blob',
    send: (d) => wire.push(String(d)),
    deliver: (d) => page.push(String(d)),
    deliverEvent: (type, init) => page.push(`${type}:${init?.code ?? ''}`),
    close: () => (open = false),
  };
  const c = createControl({
    record: (sid, e, raw) => {
      events.push({ ...e, sid, raw });
      return events.length - 1;
    },
    socket: () => socket,
    each: (fn) => fn(socket),
    send: (s, d) => s.send(d),
    now: () => Date.now(),
    wall: () => Date.now(),
  });
  expect(c.setRules(rules, holdTimeoutMs)).toBeUndefined();
  const verdicts = () => events.filter((e) => e.kind === 'verdict').map((e) => `${(events[e.ref as number] as { raw: string }).raw}:${e.outcome}`);
  return { c, wire, page, events, verdicts, close: () => (open = false) };
}

describe('traffic control lanes', () => {
  it('stays out of the way with no rule and nothing waiting', () => {
    const { c, events } = setup([]);
    expect(c.engaged()).toBe(false);
    expect(c.frame(1, true, 'x')).toBe(0);
    expect(events).toEqual([]);
  });

  it('holds, keeps order behind a held frame, forwards edited, drops', () => {
    const { c, wire, events, verdicts } = setup([rule({ direction: 'sent', matchType: 'text', match: 'hold', action: 'pause' })]);
    expect(c.frame(1, true, 'hold-1')).toBe(1);
    expect(c.frame(1, true, 'plain')).toBe(1); // taken: it must wait behind hold-1
    expect(c.frame(1, true, 'hold-2')).toBe(1);
    expect(c.frame(2, true, 'other-socket')).toBe(0); // another socket's lane is free
    expect(wire).toEqual([]);
    expect(events.map((e) => [e.raw, e.queued, (e.rule as { action?: string } | undefined)?.action])).toEqual([
      ['hold-1', true, 'pause'],
      ['plain', true, undefined],
      ['hold-2', true, 'pause'],
    ]);
    expect(c.decide(0, 'forward', () => 'edited-1')).toBeUndefined();
    expect(wire).toEqual(['edited-1', 'plain']);
    expect(c.decide(2, 'drop')).toBeUndefined();
    expect(wire).toEqual(['edited-1', 'plain']);
    expect(verdicts()).toEqual(['hold-1:edited', 'plain:forwarded', 'hold-2:dropped']);
    expect(c.decide(2, 'drop')).toMatch(/no longer held/);
  });

  it('delays each frame from its arrival (latency, not throttling) and keeps order for frames behind', () => {
    const { c, page, verdicts } = setup([rule({ direction: 'received', matchType: 'text', match: 'slow', action: 'delay', ms: 300 })]);
    c.frame(1, false, 'slow-1');
    c.frame(1, false, 'fast');
    vi.advanceTimersByTime(100);
    c.frame(1, false, 'slow-2');
    vi.advanceTimersByTime(199);
    expect(page).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(page).toEqual(['slow-1', 'fast']);
    vi.advanceTimersByTime(99);
    expect(page).toEqual(['slow-1', 'fast']);
    vi.advanceTimersByTime(1);
    expect(page).toEqual(['slow-1', 'fast', 'slow-2']);
    expect(verdicts()).toEqual(['slow-1:forwarded', 'fast:forwarded', 'slow-2:forwarded']);
  });

  it('a close waits behind held received frames; resume all lets them go in order', () => {
    const { c, page } = setup([rule({ direction: 'received', action: 'pause' })]);
    c.frame(1, false, 'a');
    c.frame(1, false, 'b');
    expect(c.socketEvent(1, 'close', { code: 4000 })).toBe(true);
    expect(page).toEqual([]);
    expect(c.resumeAll()).toBe(2);
    expect(page).toEqual(['a', 'b', 'close:4000']);
  });

  it('releases held frames as they were: after the timeout, on stop, and when all rules go off', () => {
    const t = setup([rule({ direction: 'sent', action: 'pause' })], 1000);
    t.c.frame(1, true, 'late');
    vi.advanceTimersByTime(1300);
    expect(t.wire).toEqual(['late']);
    t.c.frame(1, true, 'stopped');
    t.c.stop();
    expect(t.wire).toEqual(['late', 'stopped']);
    expect(t.c.engaged()).toBe(false);
    t.c.setRules([rule({ direction: 'sent', action: 'pause' })], 1000);
    t.c.frame(1, true, 'switched-off');
    t.c.setRules([], 1000);
    expect(t.wire).toEqual(['late', 'stopped', 'switched-off']);
    expect(t.verdicts()).toEqual(['late:timeout', 'stopped:released', 'switched-off:released']);
  });

  it('says so when a held send can no longer go because the socket closed', () => {
    const t = setup([rule({ direction: 'sent', action: 'pause' })]);
    t.c.frame(1, true, 'too-late');
    t.close();
    t.c.socketEvent(1, 'close', { code: 1006 });
    expect(t.wire).toEqual([]);
    expect(t.verdicts()).toEqual(['too-late:socket-closed']);
  });

  it('answers with a mock reply, with or without sending the original', () => {
    const t = setup([
      rule({ direction: 'sent', matchType: 'json', match: '$.m', matchValue: 'ping', action: 'mock', reply: '{"re":{{$.id}}}', ms: 50 }),
      rule({ direction: 'sent', matchType: 'text', match: 'both', action: 'mock', reply: 'ack', alsoSend: true, ms: 0 }),
    ]);
    t.c.frame(1, true, '{"m":"ping","id":3}');
    t.c.frame(1, true, 'both');
    expect(t.wire).toEqual(['both']);
    vi.advanceTimersByTime(50);
    expect(t.page).toEqual(['ack', '{"re":3}']);
    expect(t.events.filter((e) => e.origin === 'mock').map((e) => e.raw)).toEqual(['ack', '{"re":3}']);
  });

  it('rewrites in place and records the original', () => {
    const t = setup([rule({ direction: 'both', matchType: 'text', match: 'secret', action: 'rewrite', find: 'secret', replace: '***' })]);
    t.c.frame(1, true, 'my secret');
    expect(t.wire).toEqual(['my ***']);
    expect(t.events[0]).toMatchObject({ raw: 'my ***', original: 'my secret' });
  });
});
