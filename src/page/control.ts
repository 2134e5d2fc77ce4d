/**
 * Traffic control on the page's own sockets: frames a rule holds, delays, rewrites, drops or answers with a mock.
 *
 * Each socket has two lanes (sent, received). A frame waits in its lane when a rule holds or delays it, or when a
 * frame ahead of it waits: order per socket and direction is kept. Nothing is lost silently: every frame that
 * entered a lane leaves it with a `verdict` event (forwarded, edited, dropped in the panel, released after the hold
 * timeout, released because rules stopped applying, or not sent because the socket had closed). Received frames
 * that wait are taken from the page (their event is stopped before any page listener) and given back later as
 * a fresh MessageEvent; a close or error event behind them waits too, so the page sees what the server sent, in order.
 *
 * Chaos rules run on the same lanes: jitter is a delay drawn per frame, loss a drop, a duplicate a second copy that
 * waits its turn like any frame; their draws come from a seeded stream per socket and direction (src/shared/prng.ts),
 * so a run can be repeated. A chaos rule that lets a frame through untouched (loss kept it, no copy was drawn, a
 * disconnect still counting) hands it to the rules after it. Disconnects, refused connections (server down) and the
 * offline switch act on sockets through `LensSocket.closeAs` and the adapters' constructors (`refusal`).
 *
 * With no rule enabled, no frame waiting and not offline, none of this runs: the hook checks `engaged()` first.
 */
import { natives as N, nullArray, describeError } from './natives';
import { findRule, renderTemplate, rewrite, compileRules, urlMatches, FrameView, type CompiledRule } from './rules';
import { rngNext, rngStart } from '../shared/prng';
import { DEFAULT_HOLD_TIMEOUT_MS, TEXT_PREVIEW_CHARS, type Outcome, type Rule, type RuleAction, type RuleMark } from '../shared/protocol';
import type { RawData } from './encode';
import { draft, type Draft } from './recorder';
import type { LensSocket } from './socket';

export interface ControlDeps {
  /** record an event for the panel; returns its seq */
  record(sid: number, event: Draft, raw?: RawData): number;
  /** the socket, while it can still carry a frame */
  socket(sid: number): LensSocket | undefined;
  /** every socket that can still carry a frame */
  each(fn: (socket: LensSocket) => void): void;
  /** put a frame on the wire (the native send, and what follows it: bufferedAmount is watched) */
  send(socket: LensSocket, data: RawData): void;
  now(): number;
  /** the wall clock, ms since epoch (a server-down rule's end is the panel's wall-clock time) */
  wall(): number;
}

interface Entry {
  /** seq of the message event; -1 for a close/error event that waits */
  seq: number;
  data: RawData;
  held: boolean;
  /** page time before which a delayed entry may not leave */
  due: number;
  since: number;
  /** set when decided, or released */
  outcome?: Outcome;
  event?: { type: 'close' | 'error'; init?: CloseEventInit };
}

interface Lane {
  sid: number;
  sent: boolean;
  entries: Entry[];
  timer: boolean;
  /** the seeded stream of each chaos rule that drew for this lane (restarted when its seed changes) */
  draws: Draw[];
}

interface Draw {
  id: string;
  seed: number;
  s: number;
}

/** A disconnect rule's count of a socket's matching frames, or its timer. */
interface Count {
  sid: number;
  id: string;
  n: number;
}

/** What a frame became: the caller passes it on and records it; the hook took it over; or recorded it, the caller passes it. */
export const FRAME_PASS = 0;
export const FRAME_TAKEN = 1;
export const FRAME_RECORDED = 2;
export type FrameFate = typeof FRAME_PASS | typeof FRAME_TAKEN | typeof FRAME_RECORDED;

/** How the offline switch marks what it touched (it is no rule of the list). */
function offlineMark(): RuleMark {
  return { __proto__: null, id: 'offline', name: 'Offline', action: 'offline', code: 1006 } as RuleMark;
}

const SWEEP_MS = 250;

/** what a rule adds to a frame's event */
type FrameExtra = Partial<Pick<Draft<'message'>, 'rule' | 'origin' | 'original' | 'queued'>>;

/** Every field an entry may ever have is its own from the start, and it has no prototype. */
function entry(seq: number, data: RawData, held: boolean, due: number, since: number): Entry {
  return { __proto__: null, seq, data, held, due, since, outcome: undefined, event: undefined } as Entry;
}


export function createControl(deps: ControlDeps) {
  let rules: CompiledRule[] | null = null;
  let holdTimeoutMs = DEFAULT_HOLD_TIMEOUT_MS;
  // no prototypes on anything built here: a page's Array.prototype / Object.prototype accessors never run
  const lanes = nullArray<Lane | undefined>();
  /** entries waiting in all lanes: the hook's fast path checks only this and `rules` */
  let waiting = 0;
  let heldCount = 0;
  let sweeping = false;
  let everUsed = false;
  let offline = false;
  /** disconnect rules' frame counts per socket, and the timed ones' timers */
  const counts = nullArray<Count>();
  const timers = nullArray<Count>();
  /** sockets a disconnect rule has cut off: closing, their frames go nowhere (as with a server that closed, a dead link) */
  const cut = nullArray<RuleMark | undefined>();

  function lane(sid: number, sent: boolean): Lane {
    const key = sid * 2 + (sent ? 1 : 0);
    let l = lanes[key];
    if (!l) l = lanes[key] = { __proto__: null, sid, sent, entries: nullArray<Entry>(), timer: false, draws: nullArray<Draw>() } as Lane;
    return l;
  }

  function markOf(c: CompiledRule): RuleMark {
    const a = c.rule.action;
    const mark = { __proto__: null, id: c.rule.id, name: c.rule.name, action: a.type } as RuleMark;
    if (a.type === 'delay') mark.ms = a.ms;
    if (a.type === 'mock') mark.sent = a.send;
    if (a.type === 'disconnect') mark.code = a.code;
    return mark;
  }

  /** The next number of this rule's seeded stream for this lane, in [0, 1). */
  function draw(l: Lane, c: CompiledRule, seed: number): number {
    let d: Draw | undefined;
    for (let i = 0; i < l.draws.length; i++) if (l.draws[i].id === c.rule.id) d = l.draws[i];
    if (!d) d = l.draws[l.draws.length] = { __proto__: null, id: c.rule.id, seed, s: 0 } as Draw;
    if (d.seed !== seed || d.s === 0) {
      d.seed = seed;
      d.s = rngStart(seed, l.sid, l.sent) || 1;
    }
    return rngNext(d);
  }

  /** A disconnect rule's count of this socket's matching frames, this one included. */
  function count(sid: number, c: CompiledRule): number {
    for (let i = 0; i < counts.length; i++) if (counts[i].sid === sid && counts[i].id === c.rule.id) return ++counts[i].n;
    counts[counts.length] = { __proto__: null, sid, id: c.rule.id, n: 1 } as Count;
    return 1;
  }

  /** The rule's chaos decides this frame (true), or lets it through to the rules after it (false). */
  function fires(l: Lane, c: CompiledRule): boolean {
    const a = c.rule.action;
    if (a.type === 'loss' || a.type === 'duplicate') return draw(l, c, a.seed) < a.percent / 100;
    if (a.type === 'disconnect') return count(l.sid, c) === a.n;
    return true;
  }

  /** Close a socket as a server or the network would (only an OPEN or CONNECTING one; once). */
  function closeAs(sid: number, code: number, reason: string, mark: RuleMark): void {
    const socket = deps.socket(sid);
    if (socket && socket.closeAs && socket.readyState() <= 1) socket.closeAs(code, reason, mark);
  }

  /** Timed disconnects: each socket gets its timer when it opens or when the rule comes, whichever is later. */
  function armTimers(socket: LensSocket): void {
    if (rules === null || socket.readyState() !== 1) return;
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i];
      const a = c.rule.action;
      if (a.type !== 'disconnect' || a.after !== 'ms' || !urlMatches(c, socket.url())) continue;
      let armed = false;
      for (let j = 0; j < timers.length; j++) if (timers[j].sid === socket.sid && timers[j].id === c.rule.id && timers[j].n === a.n) armed = true;
      if (armed) continue;
      const t = { __proto__: null, sid: socket.sid, id: c.rule.id, n: a.n } as Count;
      timers[timers.length] = t;
      N.setTimeout(() => timerFired(t), a.n);
    }
  }
  function timerFired(t: Count): void {
    let keep = 0;
    for (let j = 0; j < timers.length; j++) if (timers[j] !== t) timers[keep++] = timers[j];
    timers.length = keep;
    if (rules === null) return;
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i];
      const a = c.rule.action;
      // the rule as it is now: edited since (another time) or gone, it no longer closes this socket
      if (c.rule.id !== t.id || a.type !== 'disconnect' || a.after !== 'ms' || a.n !== t.n) continue;
      const socket = deps.socket(t.sid);
      if (socket && socket.readyState() === 1 && urlMatches(c, socket.url())) closeAs(t.sid, a.code, a.reason, markOf(c));
      return;
    }
  }

  /** the socket is OPEN (a held send can still go, a mock can still answer) */
  function isOpen(sid: number): boolean {
    const socket = deps.socket(sid);
    return !!socket && socket.readyState() === 1;
  }
  function send(sid: number, data: RawData): void {
    const socket = deps.socket(sid);
    if (socket) deps.send(socket, data);
  }
  /** `seq`: the frame's event, for the page's handler runs (handler-probes.ts) */
  function deliver(sid: number, data: RawData, seq: number): void {
    const socket = deps.socket(sid);
    if (socket) socket.deliver(data, 'given-back', seq);
  }

  /** the send stack of the page's send() being taken over now (see `frame`), for the frame events it records */
  let sendStack: string | undefined;
  function recordFrame(sid: number, sent: boolean, raw: RawData, extra: FrameExtra): number {
    const event = draft('message') as Draft<'message'> & Record<string, unknown>;
    event.direction = sent ? 'sent' : 'received';
    if (sent && sendStack !== undefined) event.stack = sendStack;
    // own keys only: a page may add enumerable properties to Object.prototype
    const keys = N.objectKeys(extra);
    for (let i = 0; i < keys.length; i++) {
      const value = (extra as Record<string, unknown>)[keys[i]];
      if (value !== undefined) event[keys[i]] = value;
    }
    return deps.record(sid, event, raw);
  }

  function enqueue(l: Lane, entry: Entry): void {
    l.entries[l.entries.length] = entry;
    waiting++;
    if (entry.held) {
      heldCount++;
      armSweep();
    }
  }

  /** Let every entry at the head of the lane that may go, go. */
  function pump(l: Lane): void {
    const now = deps.now();
    while (l.entries.length) {
      const head = l.entries[0];
      if (head.held) return;
      if (head.due > now) {
        pumpLater(l, head.due - now);
        return;
      }
      N.reflectApply(N.arrayShift, l.entries, []);
      waiting--;
      emit(l, head, head.outcome ?? 'forwarded');
    }
  }

  function pumpLater(l: Lane, ms: number): void {
    if (l.timer) return;
    l.timer = true;
    N.setTimeout(() => {
      l.timer = false;
      pump(l);
    }, ms);
  }

  function emit(l: Lane, e: Entry, outcome: Outcome): void {
    if (e.event) {
      const socket = deps.socket(l.sid);
      if (socket) socket.deliverEvent(e.event.type, e.event.init);
      return;
    }
    let out = outcome;
    if (outcome !== 'dropped') {
      if (l.sent) {
        if (isOpen(l.sid)) send(l.sid, e.data);
        else out = 'socket-closed';
      } else deliver(l.sid, e.data, e.seq);
    }
    const verdict = draft('verdict');
    verdict.ref = e.seq;
    verdict.outcome = out;
    verdict.waited = deps.now() - e.since;
    deps.record(l.sid, verdict, outcome === 'edited' ? e.data : undefined);
  }

  function armSweep(): void {
    if (sweeping) return;
    sweeping = true;
    N.setTimeout(sweep, SWEEP_MS);
  }
  /** One timer for all held frames: release those past the hold timeout. */
  function sweep(): void {
    sweeping = false;
    const limit = deps.now() - holdTimeoutMs;
    for (let i = 0; i < lanes.length; i++) {
      const l = lanes[i];
      if (!l) continue;
      let changed = false;
      for (let j = 0; j < l.entries.length; j++) {
        const e = l.entries[j];
        if (e.held && e.since <= limit) {
          e.held = false;
          e.outcome = 'timeout';
          heldCount--;
          changed = true;
        }
      }
      if (changed) pump(l);
    }
    if (heldCount > 0) armSweep();
  }

  /**
   * A frame the page sends (`sent`) or the server sent. Returns false when no rule applies and nothing waits
   * ahead of it: the caller then passes it on as usual (and records it). Otherwise the frame is taken over here.
   */
  function frame(sid: number, sent: boolean, raw: RawData, stack?: string): FrameFate {
    // a held, delayed or dropped send keeps the stack of the page's send() on the frame events recorded for it now
    sendStack = stack;
    try {
      return frameFate(sid, sent, raw);
    } finally {
      sendStack = undefined;
    }
  }
  function frameFate(sid: number, sent: boolean, raw: RawData): FrameFate {
    const l = lane(sid, sent);
    const cutBy = cut[sid];
    if (cutBy) {
      const mark = { __proto__: null, id: cutBy.id, name: cutBy.name, action: cutBy.action, code: cutBy.code, cut: true } as RuleMark;
      recordFrame(sid, sent, raw, { rule: mark });
      return FRAME_TAKEN;
    }
    let c: CompiledRule | undefined;
    if (rules !== null) {
      const url = deps.socket(sid)?.url() ?? '';
      const view = new FrameView(typeof raw === 'string' ? raw : undefined);
      for (let from = 0; ; from = c.index + 1) {
        c = findRule(rules, url, sent, raw, from, view);
        if (!c || fires(l, c)) break;
      }
    }
    // a mock answers what the page sends; on a received frame it means nothing
    if (c && !sent && c.rule.action.type === 'mock') c = undefined;
    const now = deps.now();
    if (!c) {
      if (!l.entries.length) return FRAME_PASS;
      const seq = recordFrame(sid, sent, raw, { queued: true });
      enqueue(l, entry(seq, raw, false, 0, now));
      return FRAME_TAKEN;
    }
    const a = c.rule.action;
    const rule = markOf(c);
    switch (a.type) {
      case 'drop':
      case 'loss':
        recordFrame(sid, sent, raw, { rule });
        return FRAME_TAKEN;
      case 'pause': {
        const seq = recordFrame(sid, sent, raw, { rule, queued: true });
        enqueue(l, entry(seq, raw, true, 0, now));
        return FRAME_TAKEN;
      }
      case 'delay':
      case 'jitter': {
        const ms = a.type === 'delay' ? a.ms : a.min + ((draw(l, c, a.seed) * (a.max - a.min + 1)) | 0);
        rule.ms = ms;
        const last = l.entries.length ? l.entries[l.entries.length - 1].due : 0;
        const due = now + ms > last ? now + ms : last;
        const seq = recordFrame(sid, sent, raw, { rule, queued: true });
        enqueue(l, entry(seq, raw, false, due, now));
        pump(l);
        return FRAME_TAKEN;
      }
      case 'duplicate': {
        const copy = markOf(c);
        copy.copy = true;
        if (sent || l.entries.length) {
          pass(l, raw, { rule }, now);
          pass(l, raw, { rule: copy }, now);
          return FRAME_TAKEN;
        }
        // the original is the browser's own event; the copy follows it as a frame of its own, in a later task (a
        // page listener must see the original before the copy), and frames after it wait behind it
        recordFrame(sid, sent, raw, { rule });
        const seq = recordFrame(sid, sent, raw, { rule: copy, queued: true });
        enqueue(l, entry(seq, raw, false, now + 1, now));
        // a timer, never pump() here: with Firefox's 1 ms clock the copy's due time can pass before this returns,
        // and pump would deliver the copy inside the original's dispatch, before the page's listeners see the
        // original (the chaos e2e caught it once in Firefox ESR 140 on a slow machine)
        pumpLater(l, 1);
        return FRAME_RECORDED;
      }
      case 'disconnect': {
        const fate = passOn(l, raw, { rule }, now);
        // as a server or the network would: after this frame has gone on, never inside the page's send or handler;
        // what comes after it meanwhile goes nowhere
        cut[sid] = rule;
        N.setTimeout(() => closeAs(sid, a.code, a.reason, rule), 0);
        return fate;
      }
      case 'server-down':
        // never matches a frame (findRule skips socket rules)
        return FRAME_PASS;
      case 'rewrite':
      case 'rewrite-json': {
        let data: RawData = raw;
        try {
          data = rewrite(c, raw);
        } catch {
          // a value that is not JSON, say: the frame goes on as it was, and the mark says the rule ran
        }
        const original = typeof raw === 'string' && data !== raw ? N.stringSlice(raw, 0, TEXT_PREVIEW_CHARS) : undefined;
        pass(l, data, { rule, original }, now);
        return FRAME_TAKEN;
      }
      case 'mock': {
        if (a.send) pass(l, raw, { rule }, now);
        else recordFrame(sid, sent, raw, { rule });
        const reply = renderTemplate(a.reply, raw);
        // like a server's answer: after the send returns, never inside it
        N.setTimeout(() => mockReply(sid, reply, rule), a.ms > 0 ? a.ms : 0);
        return FRAME_TAKEN;
      }
    }
  }

  /** `pass`, but a received frame with nothing ahead of it stays the browser's own event (recorded here). */
  function passOn(l: Lane, data: RawData, extra: FrameExtra, now: number): FrameFate {
    if (l.sent || l.entries.length) {
      pass(l, data, extra, now);
      return FRAME_TAKEN;
    }
    recordFrame(l.sid, l.sent, data, extra);
    return FRAME_RECORDED;
  }

  /** Offline: every open socket drops as the network would (1006), every connecting one fails. */
  function goOffline(): void {
    deps.each((socket) => closeAs(socket.sid, 1006, '', offlineMark()));
  }

  /** A frame that may go now unless something waits ahead of it. */
  function pass(l: Lane, data: RawData, extra: FrameExtra, now: number): void {
    if (l.entries.length) {
      const seq = recordFrame(l.sid, l.sent, data, { ...extra, queued: true });
      enqueue(l, entry(seq, data, false, 0, now));
      return;
    }
    const seq = recordFrame(l.sid, l.sent, data, extra);
    if (l.sent) send(l.sid, data);
    else deliver(l.sid, data, seq);
  }

  function mockReply(sid: number, reply: string, rule: RuleMark): void {
    // no server could answer on a socket that has closed meanwhile
    if (!isOpen(sid)) return;
    const l = lane(sid, false);
    pass(l, reply, { rule, origin: 'mock' }, deps.now());
  }

  /** A close or error event: true when it must wait behind received frames (the caller stops it). */
  function socketEvent(sid: number, type: 'close' | 'error', init?: CloseEventInit): boolean {
    const key = sid * 2;
    if (type === 'close') {
      // what the page still wanted to send can never go now: say so for each
      const out = lanes[key + 1];
      if (out) releaseLane(out, 'released');
    }
    const l = lanes[key];
    if (!l || !l.entries.length) return false;
    const e = entry(-1, '', false, 0, deps.now());
    e.event = { __proto__: null, type, init } as Entry['event'];
    enqueue(l, e);
    return true;
  }

  function releaseLane(l: Lane, outcome: Outcome): void {
    for (let j = 0; j < l.entries.length; j++) {
      const e = l.entries[j];
      if (e.held) heldCount--;
      e.held = false;
      e.due = 0;
      if (e.outcome === undefined) e.outcome = outcome;
    }
    pump(l);
  }

  function releaseAll(outcome: Outcome): void {
    for (let i = 0; i < lanes.length; i++) {
      const l = lanes[i];
      if (l && l.entries.length) releaseLane(l, outcome);
    }
  }

  function find(seq: number): { l: Lane; index: number } | undefined {
    for (let i = 0; i < lanes.length; i++) {
      const l = lanes[i];
      if (!l) continue;
      for (let j = 0; j < l.entries.length; j++) if (l.entries[j].seq === seq) return { __proto__: null, l, index: j } as { l: Lane; index: number };
    }
    return undefined;
  }

  return {
    /** true when a frame of this socket and direction must go through `frame` */
    engaged(): boolean {
      return rules !== null || waiting > 0;
    },
    frame,
    socketEvent,
    /** A socket opened (while engaged): timed disconnects start counting. */
    opened(socket: LensSocket): void {
      armTimers(socket);
    },
    /** true when a new socket may have to be refused: the adapters then work out its url and ask `refusal` */
    refusing(): boolean {
      if (offline) return true;
      if (rules === null) return false;
      for (let i = 0; i < rules.length; i++) if (rules[i].rule.action.type === 'server-down') return true;
      return false;
    },
    /** The mark of what refuses a new socket to `url` (offline, or a server-down rule whose time runs), if anything. */
    refusal(url: string): RuleMark | undefined {
      if (offline) return offlineMark();
      if (rules === null) return undefined;
      const wall = deps.wall();
      for (let i = 0; i < rules.length; i++) {
        const c = rules[i];
        const a: RuleAction = c.rule.action;
        if (a.type === 'server-down' && wall < a.until && urlMatches(c, url)) return markOf(c);
      }
      return undefined;
    },
    /** Replace the rule list and the offline switch. Returns an error text when a rule cannot be compiled (nothing changes then). */
    setRules(list: Rule[], timeoutMs: number, goesOffline = false): string | undefined {
      let compiled: CompiledRule[];
      try {
        compiled = compileRules(list);
      } catch (err) {
        return 'A rule could not be used: ' + describeError(err);
      }
      holdTimeoutMs = timeoutMs > 0 ? timeoutMs : DEFAULT_HOLD_TIMEOUT_MS;
      rules = compiled.length ? compiled : null;
      if (rules || goesOffline) everUsed = true;
      // nothing should stay held by rules that are all off
      if (rules === null) releaseAll('released');
      const wasOffline = offline;
      offline = goesOffline;
      if (offline && !wasOffline) goOffline();
      if (rules !== null) deps.each(armTimers);
      return undefined;
    },
    /** Rules stop applying (the panel went away, the page is leaving): everything waiting goes on as it was. */
    stop(): void {
      rules = null;
      offline = false;
      releaseAll('released');
    },
    /** Let everything waiting go now, as it was, keeping the rules (a navigation the user may still cancel). */
    releaseAll(): void {
      releaseAll('released');
    },
    /** true once any rule was set: the hook hooks the page's unload only for pages where rules are used */
    get used(): boolean {
      return everUsed;
    },
    /** `edit` turns the panel's edited payload into data for this socket and direction (binaryType matters) */
    decide(seq: number, verdict: 'forward' | 'drop', edit?: (sid: number, sent: boolean) => RawData): string | undefined {
      const at = find(seq);
      if (!at || !at.l.entries[at.index].held) return 'This frame is no longer held (it was released or decided on already).';
      const e = at.l.entries[at.index];
      const data = edit && verdict === 'forward' ? edit(at.l.sid, at.l.sent) : undefined;
      e.held = false;
      heldCount--;
      if (verdict === 'drop') {
        N.reflectApply(N.arraySplice, at.l.entries, [at.index, 1]);
        waiting--;
        emit(at.l, e, 'dropped');
      } else if (data !== undefined) {
        e.data = data;
        e.outcome = 'edited';
      } else e.outcome = 'forwarded';
      pump(at.l);
      return undefined;
    },
    resumeAll(): number {
      const n = heldCount;
      for (let i = 0; i < lanes.length; i++) {
        const l = lanes[i];
        if (!l) continue;
        for (let j = 0; j < l.entries.length; j++) {
          const e = l.entries[j];
          if (e.held) {
            e.held = false;
            e.outcome = 'forwarded';
            heldCount--;
          }
        }
        pump(l);
      }
      return n;
    },
  };
}

export type Control = ReturnType<typeof createControl>;
