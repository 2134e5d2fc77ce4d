import { beforeAll, describe, expect, it, vi } from 'vitest';
import { compileRule, newDraft, startDown, type RuleDraft } from '../../panel/lib/rules';
import { rngNext, rngStart } from '../../src/shared/prng';
import type { Rule, RuleMark } from '../../src/shared/protocol';
import type { LensSocket } from '../../src/page/socket';

// the hook captures setTimeout when it loads: fake the clock first, then load it
vi.useFakeTimers();
let control: typeof import('../../src/page/control');
beforeAll(async () => {
  control = await import('../../src/page/control');
});

function rule(patch: Partial<RuleDraft>): Rule {
  const c = compileRule(startDown(newDraft(patch)));
  if (!c.rule) throw new Error(c.error);
  return c.rule;
}

/** a control over fake sockets: what went on the wire, what the page got, the events, and the chaos closes */
function setup(rules: Rule[], { sockets = 1, offline = false, now = () => Date.now() } = {}) {
  const wire: string[] = [];
  const page: string[] = [];
  const events: Record<string, unknown>[] = [];
  const closes: { sid: number; code: number; reason: string; mark: RuleMark }[] = [];
  const state: number[] = [];
  const made: LensSocket[] = [];
  for (let sid = 1; sid <= sockets; sid++) {
    state[sid] = 1;
    made.push({
      sid,
      url: () => `ws://127.0.0.1/echo?${sid}`,
      readyState: () => state[sid],
      bufferedAmount: () => 0,
      binaryType: () => 'blob',
      send: (d) => wire.push(String(d)),
      deliver: (d) => page.push(String(d)),
      deliverEvent: (type, init) => page.push(`${type}:${init?.code ?? ''}`),
      close: () => (state[sid] = 3),
      closeAs: (code, reason, mark) => {
        closes.push({ sid, code, reason, mark });
        state[sid] = 2;
      },
    });
  }
  const c = control.createControl({
    record: (sid, e, raw) => {
      events.push({ ...e, sid, raw });
      return events.length - 1;
    },
    socket: (sid) => made[sid - 1],
    each: (fn) => made.forEach(fn),
    send: (s, d) => s.send(d),
    now,
    wall: () => Date.now(),
  });
  expect(c.setRules(rules, 30_000, offline)).toBeUndefined();
  const tags = () => events.filter((e) => e.kind === 'message').map((e) => `${e.raw}:${(e.rule as RuleMark | undefined)?.action ?? ''}${(e.rule as RuleMark | undefined)?.copy ? ' copy' : ''}`);
  return { c, wire, page, events, closes, tags, sockets: made };
}

describe('the seeded streams', () => {
  it('repeat for a seed, differ by seed, socket and direction, and spread over [0, 1)', () => {
    const take = (seed: number, sid: number, sent: boolean, n = 1000) => {
      const st = { s: rngStart(seed, sid, sent) };
      return Array.from({ length: n }, () => rngNext(st));
    };
    expect(take(42, 1, false)).toEqual(take(42, 1, false));
    expect(take(42, 1, false)).not.toEqual(take(43, 1, false));
    expect(take(42, 1, false)).not.toEqual(take(42, 2, false));
    expect(take(42, 1, false)).not.toEqual(take(42, 1, true));
    const xs = take(7, 1, true, 10_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const below = xs.filter((x) => x < 0.3).length / xs.length;
    expect(below).toBeGreaterThan(0.28);
    expect(below).toBeLessThan(0.32);
  });

  it('use no built-in a page can replace', () => {
    const imul = Math.imul;
    const floor = Math.floor;
    Math.imul = () => 0;
    Math.floor = () => 0;
    try {
      const st = { s: rngStart(1, 1, false) };
      expect(new Set([rngNext(st), rngNext(st), rngNext(st)]).size).toBe(3);
    } finally {
      Math.imul = imul;
      Math.floor = floor;
    }
  });
});

describe('chaos on frames', () => {
  it('loses a seeded share: the frames the stream says, the same in every run', () => {
    const lossRule = rule({ direction: 'received', action: 'loss', percent: 40, seed: 99 });
    const run = () => {
      const t = setup([lossRule]);
      const fates = Array.from({ length: 50 }, (_, i) => t.c.frame(1, false, `f${i}`));
      return fates.flatMap((f, i) => (f === control.FRAME_TAKEN ? [i] : []));
    };
    const st = { s: rngStart(99, 1, false) };
    const predicted = Array.from({ length: 50 }, () => rngNext(st)).flatMap((x, i) => (x < 0.4 ? [i] : []));
    expect(run()).toEqual(predicted);
    expect(run()).toEqual(predicted);
    expect(predicted.length).toBeGreaterThan(10);
  });

  it('hands a frame it keeps to the rules after it, and marks only what it touched', () => {
    const t = setup([rule({ direction: 'sent', action: 'loss', percent: 0 }), rule({ direction: 'sent', action: 'delay', ms: 100 })]);
    t.c.frame(1, true, 'kept');
    expect(t.wire).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(t.wire).toEqual(['kept']);
    expect(t.tags()).toEqual(['kept:delay']);
  });

  it('duplicates: a sent frame goes twice; a received one stays the browser event and its copy follows in a later task', () => {
    const t = setup([rule({ direction: 'both', matchType: 'regex', match: '/^(up|down)$/', action: 'duplicate', percent: 100 })]);
    expect(t.c.frame(1, true, 'up')).toBe(control.FRAME_TAKEN);
    expect(t.wire).toEqual(['up', 'up']);
    expect(t.c.frame(1, false, 'down')).toBe(control.FRAME_RECORDED);
    expect(t.page).toEqual([]);
    // the frame behind the copy waits for it
    expect(t.c.frame(1, false, 'next')).toBe(control.FRAME_TAKEN);
    vi.advanceTimersByTime(1);
    expect(t.page).toEqual(['down', 'next']);
    expect(t.tags()).toEqual(['up:duplicate', 'up:duplicate copy', 'down:duplicate', 'down:duplicate copy', 'next:']);
  });

  it("a received frame's copy is never delivered inside the original's dispatch, even when the clock moves on meanwhile", () => {
    // Firefox's performance.now() moves in whole milliseconds: a tick can fall between two reads in one call
    let t0 = 0;
    const t = setup([rule({ direction: 'received', matchType: 'text', match: 'down', action: 'duplicate', percent: 100 })], { now: () => (t0 += 1) });
    expect(t.c.frame(1, false, 'down')).toBe(control.FRAME_RECORDED);
    expect(t.page).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(t.page).toEqual(['down']);
  });

  it('jitters each frame within its range, keeping their order', () => {
    const t = setup([rule({ direction: 'received', action: 'jitter', minMs: 100, ms: 500, seed: 5 })]);
    for (let i = 0; i < 20; i++) t.c.frame(1, false, `j${i}`);
    const drawn = t.events.filter((e) => e.kind === 'message').map((e) => (e.rule as RuleMark).ms!);
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...drawn)).toBeLessThanOrEqual(500);
    expect(new Set(drawn).size).toBeGreaterThan(5);
    vi.advanceTimersByTime(99);
    expect(t.page).toEqual([]);
    vi.advanceTimersByTime(401);
    expect(t.page).toEqual(Array.from({ length: 20 }, (_, i) => `j${i}`));
  });
});

describe('chaos on sockets', () => {
  it('disconnects after N matching frames: the N-th goes on, then the close; what comes meanwhile goes nowhere', () => {
    const t = setup([rule({ direction: 'received', matchType: 'text', match: 'n', action: 'disconnect', after: 'frames', count: 2, code: 1006 })]);
    expect(t.c.frame(1, false, 'n1')).toBe(control.FRAME_PASS);
    expect(t.c.frame(1, false, 'other')).toBe(control.FRAME_PASS);
    expect(t.c.frame(1, false, 'n2')).toBe(control.FRAME_RECORDED);
    expect(t.closes).toEqual([]);
    expect(t.c.frame(1, false, 'n3')).toBe(control.FRAME_TAKEN);
    expect(t.c.frame(1, true, 'sent-after')).toBe(control.FRAME_TAKEN);
    vi.advanceTimersByTime(0);
    expect(t.closes.map((x) => [x.sid, x.code, x.reason, x.mark.action])).toEqual([[1, 1006, '', 'disconnect']]);
    expect(t.wire).toEqual([]);
    expect(t.events.filter((e) => (e.rule as RuleMark | undefined)?.cut).map((e) => e.raw)).toEqual(['n3', 'sent-after']);
  });

  it("disconnects T ms after the rule came or the socket opened; the same rules again do not restart the time", () => {
    const timed = rule({ url: '?1', action: 'disconnect', after: 'seconds', seconds: 1, code: 4001, reason: 'bye' });
    const t = setup([timed], { sockets: 2 });
    vi.advanceTimersByTime(600);
    t.c.setRules([timed], 30_000);
    vi.advanceTimersByTime(399);
    expect(t.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(t.closes.map((x) => [x.sid, x.code, x.reason])).toEqual([[1, 4001, 'bye']]);
    // a rule of sockets never matches a frame
    expect(t.c.frame(2, false, 'x')).toBe(control.FRAME_PASS);
  });

  it('refuses new sockets while the server is down, for matching urls only; offline refuses all; stop ends both', () => {
    const t = setup([rule({ url: '/echo', action: 'server-down', seconds: 5 })]);
    expect(t.c.refusing()).toBe(true);
    expect(t.c.refusal('ws://127.0.0.1/echo')?.action).toBe('server-down');
    expect(t.c.refusal('ws://127.0.0.1/other')).toBeUndefined();
    vi.advanceTimersByTime(5000);
    expect(t.c.refusal('ws://127.0.0.1/echo')).toBeUndefined();

    const o = setup([], { sockets: 2, offline: true });
    expect(o.closes.map((x) => [x.sid, x.code, x.mark.action])).toEqual([
      [1, 1006, 'offline'],
      [2, 1006, 'offline'],
    ]);
    expect(o.c.refusal('ws://anywhere/')?.action).toBe('offline');
    o.c.stop();
    expect(o.c.refusing()).toBe(false);
    expect(o.c.refusal('ws://anywhere/')).toBeUndefined();
  });
});

describe('chaos drafts', () => {
  const error = (patch: Partial<RuleDraft>) => compileRule(newDraft(patch)).error;
  it('says what is wrong', () => {
    expect(error({ action: 'jitter', minMs: 500, ms: 100 })).toMatch(/least first/);
    expect(error({ action: 'loss', percent: 120 })).toMatch(/between 0 and 100/);
    expect(error({ action: 'loss', seed: -1 })).toMatch(/seed/);
    expect(error({ action: 'disconnect', code: 1004 })).toMatch(/close code/);
    expect(error({ action: 'disconnect', code: 2500 })).toMatch(/close code/);
    expect(error({ action: 'disconnect', after: 'frames', count: 0 })).toMatch(/how many frames/);
    expect(error({ action: 'server-down', seconds: 0 })).toMatch(/how many seconds/);
    // frame fields a rule of sockets hides do not count against it
    expect(error({ action: 'server-down', matchType: 'text', match: '' })).toBeUndefined();
  });
  it('a network drop has no reason; a server close keeps its own', () => {
    expect(compileRule(newDraft({ action: 'disconnect', code: 1006, reason: 'x' })).rule?.action).toMatchObject({ code: 1006, reason: '' });
    expect(compileRule(newDraft({ action: 'disconnect', code: 1012, reason: 'restart' })).rule?.action).toMatchObject({ code: 1012, reason: 'restart' });
  });
  it('a server-down window starts when the rule is saved', () => {
    const d = startDown(newDraft({ action: 'server-down', seconds: 3 }), 1000);
    expect(compileRule(d).rule?.action).toEqual({ type: 'server-down', until: 4000 });
  });
});
