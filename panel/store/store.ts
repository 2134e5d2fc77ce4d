/**
 * The panel store: the log (reducer state) plus what the user chose — selection, filter, pause, settings — and
 * the filtered view the table renders. Components read it and call its commands; only the panel's entry point
 * knows about ports (through the Transport interface, faked in tests).
 */
import { decodeEvents, DEFAULT_HOLD_TIMEOUT_MS, type BackgroundToPanel, type OutgoingPayload, type ReplayItem } from '../../src/shared/protocol';
import { ANSWER_TIMEOUT_MS, PageClient, type Addressee, type Transport } from './pageClient';
import { compileAll, type RuleDraft } from '../lib/rules';
import { chooseDecoder, type DecoderChoice } from './decoding';
import { compileFilter, EMPTY_FILTER, type CompiledFilter, type FilterSpec } from './filter';
import type { Frame, Socket } from './model';
import { exportHar, framesToJsonLines, importHar } from '../lib/har';
import { fileStem } from '../lib/fileName';
import {
  applyPageMessage,
  applyWhilePaused,
  clearLog,
  createLog,
  decodingChanged,
  DEFAULT_MAX_FRAMES,
  dropOtherDocs,
  importLog,
  rowById,
  heldFrames,
  markDocGone,
  replacePayload,
  setMaxFrames,
  type Log,
} from './log';

export type { Transport } from './pageClient';

export interface Settings {
  preserveLog: boolean;
  maxFrames: number;
  filter: FilterSpec;
}

export interface Notice {
  id: number;
  level: 'error' | 'info';
  text: string;
}

export type Connection = 'connecting' | 'connected' | 'disconnected';

type Listener = () => void;

export class Store {
  readonly log: Log;
  /** frame ids that pass the filter and the socket selection, in log order */
  visible: number[] = [];
  selectedSockets = new Set<string>();
  /** the socket the composer acts on */
  primarySocket: string | undefined;
  selectedFrame: number | undefined;
  paused = false;
  /** frames that arrived while paused and were not recorded */
  pausedSkipped = 0;
  settings: Settings;
  compiled: CompiledFilter;
  notices: Notice[] = [];
  connection: Connection = 'connecting';
  sort: { by: 'time' | 'size'; desc: boolean } = { by: 'time', desc: false };
  private listeners = new Set<Listener>();
  private client: PageClient;
  private noticeId = 1;
  private topDocId: string | undefined;
  /** traffic rules as the user wrote them, for the inspected page's origin */
  ruleDrafts: RuleDraft[] = [];
  /** the master switch: off sends no rule to the page */
  rulesOn = true;
  holdTimeoutMs = DEFAULT_HOLD_TIMEOUT_MS;
  /** origin of the inspected top document; rules are kept per origin */
  rulesOrigin: string | undefined;
  /** frames marked (Ctrl/Shift-click) for replay */
  marked = new Set<number>();
  private lastMarked: number | undefined;

  /** the extension's version, for the files it writes */
  appVersion = 'dev';

  constructor(
    transport: Transport,
    settings: Partial<Settings> = {},
  ) {
    this.client = new PageClient(transport);
    this.settings = { preserveLog: false, maxFrames: DEFAULT_MAX_FRAMES, filter: EMPTY_FILTER, ...settings };
    this.log = createLog(this.settings.maxFrames);
    this.compiled = compileFilter(this.settings.filter.text);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  // ------------------------------------------------------------------ ingest
  receive(msg: BackgroundToPanel): void {
    if (msg.type === 'frame-gone') {
      markDocGone(this.log, msg.docId);
      return this.changed();
    }
    if (msg.type === 'route-error') {
      if (msg.reqId !== undefined) this.client.undeliverable(msg.reqId, { frameId: msg.frameId, docId: msg.docId }, msg.error);
      else this.notify('error', msg.error);
      return;
    }
    const m = msg.message;
    // answers are matched by request id and by who answers: the frame (the background's word) and the document
    const from: Addressee = { frameId: msg.frameId, docId: m.type === 'hello' ? m.doc.docId : m.docId };
    if (m.type === 'result') return this.client.answer(m.reqId, from, 'result', { error: m.ok ? undefined : (m.error ?? 'failed') });
    if (m.type === 'payload') return this.client.answer(m.reqId, from, 'payload', { payload: m.payload, error: m.error });
    if (m.type === 'hello' && msg.frameId === 0 && !this.log.docs.has(m.doc.docId)) this.onNewTopDocument(m.doc.docId, m.doc.origin, m.doc.url);
    if (m.type === 'events' && m.fault)
      this.notify('error', `The page hook caught ${m.fault.count === 1 ? 'an error' : `${m.fault.count} errors`} of its own (last: ${m.fault.message}); the page did not see it and capture goes on.`);
    const before = this.log.nextId;
    const base = this.log.base;
    if (this.paused && m.type === 'events') {
      this.pausedSkipped += applyWhilePaused(this.log, msg.frameId, m, decodeEvents(m));
      return this.afterApply(before, base);
    }
    const { subscribe } = applyPageMessage(this.log, msg.frameId, m);
    if (subscribe) {
      const to = { frameId: msg.frameId, docId: subscribe.docId };
      this.client.post(to, { cmd: 'subscribe', since: subscribe.since });
      // rules apply only while a panel is subscribed, so every (re)subscription carries them
      if (this.ruleDrafts.length && this.rulesOn) this.pushRulesTo(to);
    }
    this.afterApply(before, base);
  }

  /** Extend the filtered view with the frames added since `before`, and forget trimmed ones. */
  private afterApply(before: number, base: number): void {
    if (this.log.base !== base) this.visible = this.visible.filter((id) => id >= this.log.base);
    let added = false;
    for (let id = Math.max(before, this.log.base); id < this.log.nextId; id++) {
      const f = rowById(this.log, id);
      if (f && this.passes(f)) {
        this.visible.push(id);
        added = true;
      }
    }
    // the log arrives in time order; any other order is restored by a re-sort, at most every 250 ms under a flood
    if (added && (this.sort.by !== 'time' || this.sort.desc) && !this.resortTimer)
      this.resortTimer = setTimeout(() => {
        this.resortTimer = undefined;
        this.refilter();
      }, 250);
    if (!this.primarySocket) this.autoSelect();
    this.changed();
  }

  private resortTimer: ReturnType<typeof setTimeout> | undefined;

  private onNewTopDocument(docId: string, origin: string | undefined, url: string): void {
    const previous = this.topDocId;
    this.topDocId = docId;
    // the origin as the background took it from the browser; a url-keyed origin only for opaque ones (file:, data:)
    this.rulesOrigin = origin && origin !== 'null' ? origin : originKey(url);
    if (previous && !this.settings.preserveLog) {
      // imported files stay: they are not part of any page
      const keep = new Set([docId, ...[...this.log.docs.values()].filter((d) => d.imported).map((d) => d.docId)]);
      dropOtherDocs(this.log, keep);
      this.selectedSockets.clear();
      this.primarySocket = undefined;
      this.selectedFrame = undefined;
      this.marked.clear();
      this.refilter();
    }
  }

  setConnection(c: Connection): void {
    this.connection = c;
    this.changed();
  }

  private autoSelect(): void {
    // follow the newest socket until the user picks one
    const order = this.log.socketOrder;
    for (let i = order.length - 1; i >= 0; i--) {
      const s = this.log.sockets.get(order[i]);
      if (s && s.state !== 'closed') {
        this.primarySocket = s.key;
        return;
      }
    }
    if (order.length) this.primarySocket = order[order.length - 1];
  }

  // ------------------------------------------------------------------ view
  private passes(f: Frame): boolean {
    if (this.selectedSockets.size && !this.selectedSockets.has(f.socketKey)) return false;
    const { direction, invert } = this.settings.filter;
    if (direction !== 'all' && f.direction !== direction) return false;
    const test = this.compiled.test;
    if (!test) return true;
    const d = f.decoded;
    const hit =
      test(f.preview) ||
      (f.payload?.type === 'text' && f.payload.data.length > f.preview.length && test(f.payload.data)) ||
      (d !== undefined && (test(d.summary) || test(d.search)));
    return invert ? !hit : hit;
  }

  refilter(): void {
    const out: number[] = [];
    for (const f of this.log.frames) if (this.passes(f)) out.push(f.id);
    if (this.sort.by === 'size') {
      const size = (id: number) => rowById(this.log, id)?.payload?.size ?? -1;
      out.sort((a, b) => size(a) - size(b));
    }
    if (this.sort.desc) out.reverse();
    this.visible = out;
    this.changed();
  }

  setSort(by: 'time' | 'size'): void {
    this.sort = this.sort.by === by ? { by, desc: !this.sort.desc } : { by, desc: by === 'size' };
    this.refilter();
  }

  setFilter(patch: Partial<FilterSpec>): void {
    this.settings = { ...this.settings, filter: { ...this.settings.filter, ...patch } };
    this.compiled = compileFilter(this.settings.filter.text);
    this.refilter();
  }

  selectSocket(key: string, mode: 'only' | 'toggle' = 'only'): void {
    if (mode === 'toggle') {
      if (this.selectedSockets.has(key)) this.selectedSockets.delete(key);
      else this.selectedSockets.add(key);
    } else this.selectedSockets = new Set([key]);
    this.primarySocket = key;
    this.refilter();
  }

  selectAllSockets(): void {
    this.selectedSockets.clear();
    this.refilter();
  }

  selectFrame(id: number | undefined): void {
    this.selectedFrame = id;
    this.changed();
  }

  socket(key: string | undefined): Socket | undefined {
    return key ? this.log.sockets.get(key) : undefined;
  }

  frame(id: number | undefined): Frame | undefined {
    return id === undefined ? undefined : rowById(this.log, id);
  }

  /** The frame of a socket with a given seq: decoded frames point at each other that way. */
  frameBySeq(key: string, seq: number): Frame | undefined {
    const frames = this.log.frames;
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i].seq === seq && frames[i].socketKey === key) return frames[i];
    return undefined;
  }

  /** "Decode as" for one socket: a protocol, 'none' (raw), or 'auto' (detect again). */
  setDecoder(key: string, choice: DecoderChoice): void {
    const sock = this.socket(key);
    if (!sock) return;
    chooseDecoder(this.log, sock, choice);
    decodingChanged(this.log);
    this.refilter();
  }

  // ------------------------------------------------------------------ toolbar
  setPaused(p: boolean): void {
    this.paused = p;
    if (!p) this.pausedSkipped = 0;
    this.changed();
  }

  clear(): void {
    clearLog(this.log);
    this.visible = [];
    this.selectedFrame = undefined;
    this.marked.clear();
    this.pausedSkipped = 0;
    if (this.primarySocket && !this.log.sockets.has(this.primarySocket)) this.primarySocket = undefined;
    for (const k of [...this.selectedSockets]) if (!this.log.sockets.has(k)) this.selectedSockets.delete(k);
    this.changed();
  }

  setPreserveLog(v: boolean): void {
    this.settings = { ...this.settings, preserveLog: v };
    this.changed();
  }

  setMaxFrames(n: number): void {
    setMaxFrames(this.log, n);
    this.settings = { ...this.settings, maxFrames: this.log.maxFrames };
    this.refilter();
  }

  // ------------------------------------------------------------------ notices
  notify(level: Notice['level'], text: string): void {
    this.notices = [...this.notices.slice(-4), { id: this.noticeId++, level, text }];
    this.changed();
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.changed();
  }

  // ------------------------------------------------------------------ actions on the page's socket
  /** Fetch a truncated row's whole payload from the page; it replaces the preview in the log. */
  async fetchFullPayload(rowId: number): Promise<string | undefined> {
    const f = this.frame(rowId);
    const sock = f && this.socket(f.socketKey);
    if (!f || !sock) return 'That frame is no longer in the log.';
    const r = await this.client.request(addressOf(sock), { cmd: 'payload', seq: f.seq });
    if (r.payload) {
      replacePayload(this.log, f, r.payload);
      this.changed();
    }
    return r.error;
  }

  /** Send or inject on the primary socket. Resolves with an error text (also shown as a notice) or undefined. */
  async act(kind: 'send' | 'inject', payload: OutgoingPayload): Promise<string | undefined> {
    const sock = this.socket(this.primarySocket);
    if (!sock) return this.fail('Select a socket first: nothing was sent.');
    if (this.importedFrom(sock)) return this.fail(`That socket was imported from ${this.importedFrom(sock)}: nothing can be sent on it.`);
    const { error } = await this.client.request(addressOf(sock), { cmd: kind, sid: sock.sid, payload });
    if (error) this.notify('error', error);
    return error;
  }

  async closeSocket(code?: number, reason?: string): Promise<string | undefined> {
    const sock = this.socket(this.primarySocket);
    if (!sock) return this.fail('Select a socket first.');
    if (this.importedFrom(sock)) return this.fail(`That socket was imported from ${this.importedFrom(sock)}: it cannot be closed.`);
    const { error } = await this.client.request(addressOf(sock), { cmd: 'close', sid: sock.sid, code, reason });
    if (error) this.notify('error', error);
    return error;
  }

  // ------------------------------------------------------------------ export and import
  /** The sockets an export covers: the selected ones, or all. */
  private exportedSockets(): Socket[] {
    const keys = this.selectedSockets.size ? [...this.selectedSockets] : this.log.socketOrder;
    return keys.map((k) => this.log.sockets.get(k)).filter((x): x is Socket => !!x);
  }

  /**
   * The log as HAR 1.2 (Chrome's `_webSocketMessages`, so Chrome DevTools imports it). Frames the page only sent a
   * preview of are fetched whole first, while their page is still there.
   */
  async exportHar(): Promise<{ name: string; text: string }> {
    const sockets = this.exportedSockets();
    const keys = new Set(sockets.map((x) => x.key));
    const frames = this.log.frames.filter((f) => keys.has(f.socketKey));
    for (const f of frames) {
      if (f.payload?.truncated && !this.log.docs.get(f.docId)?.gone) await this.fetchFullPayload(f.id);
    }
    const pageUrl = this.topDocId ? this.log.docs.get(this.topDocId)?.url : undefined;
    const har = exportHar({ sockets, frames, pageUrl, version: this.appVersion });
    return { name: `${fileStem(pageUrl)}.har`, text: JSON.stringify(har, null, 2) };
  }

  /** The frames in view (filter and socket selection applied), one JSON object per line. */
  exportJsonLines(): { name: string; text: string } {
    const frames = this.visible.map((id) => rowById(this.log, id)).filter((f): f is Frame => !!f);
    const pageUrl = this.topDocId ? this.log.docs.get(this.topDocId)?.url : undefined;
    return { name: `${fileStem(pageUrl)}.jsonl`, text: framesToJsonLines(frames, this.log.sockets) };
  }

  /** Load a HAR file's sockets beside the live ones. On any error the log is left exactly as it was. */
  importHar(name: string, text: string): string | undefined {
    const r = importHar(text);
    if (!r.ok) return this.fail(`Could not import ${name}: ${r.error}`);
    const docId = importLog(this.log, name, r.sockets);
    const keys = this.log.socketOrder.filter((k) => this.log.sockets.get(k)?.docId === docId);
    this.selectedSockets = new Set(keys);
    this.primarySocket = keys[0];
    this.selectedFrame = undefined;
    this.refilter();
    const frames = r.sockets.reduce((n, x) => n + x.messages.length, 0);
    this.notify(
      'info',
      `Imported ${keys.length} socket${keys.length === 1 ? '' : 's'} and ${frames.toLocaleString()} frame${frames === 1 ? '' : 's'} from ${name}` +
        (r.skipped ? ` (${r.skipped} control frame${r.skipped === 1 ? '' : 's'} skipped)` : '') +
        '. They are a record: nothing can be sent on them.',
    );
    return undefined;
  }

  /** Imported sockets are a record of the past: say so instead of waiting for a page that is not there. */
  private importedFrom(sock: Socket): string | undefined {
    return this.log.docs.get(sock.docId)?.imported;
  }

  // ------------------------------------------------------------------ traffic control
  /** Replace the rules (or switch them all on or off) and tell every live document. */
  setRules(drafts: RuleDraft[], patch: { on?: boolean; holdTimeoutMs?: number } = {}): void {
    this.ruleDrafts = drafts;
    if (patch.on !== undefined) this.rulesOn = patch.on;
    if (patch.holdTimeoutMs !== undefined) this.holdTimeoutMs = patch.holdTimeoutMs;
    for (const d of this.log.docs.values()) if (!d.gone) this.pushRulesTo(d);
    this.changed();
  }

  private pushRulesTo(to: Addressee): void {
    const rules = compileAll(this.ruleDrafts, this.rulesOn);
    void this.client.request(addressOf(to), { cmd: 'rules', rules, holdTimeoutMs: this.holdTimeoutMs }).then(({ error }) => {
      if (error) return this.notify('error', error);
      this.rulesAcks++;
      this.changed();
    });
  }

  /** rules commands the pages confirmed: how a caller knows the page runs the current rules */
  rulesAcks = 0;

  /** Frames a rule holds, waiting for Forward, Edit or Drop. */
  held(): Frame[] {
    return heldFrames(this.log);
  }

  async decide(rowId: number, verdict: 'forward' | 'drop', payload?: OutgoingPayload): Promise<string | undefined> {
    // a held row may have been cleared from the table; the queue still has it
    const f = this.frame(rowId) ?? [...this.log.queued.values()].find((q) => q.id === rowId);
    if (!f || !f.queued) return this.fail('That frame is no longer held.');
    const { error } = await this.client.request(addressOf(f), { cmd: 'decide', seq: f.seq, verdict, payload });
    if (error) this.notify('error', error);
    return error;
  }

  resumeAll(): void {
    for (const d of this.log.docs.values())
      if (!d.gone) void this.client.request(addressOf(d), { cmd: 'resume-all' }).then(({ error }) => error && this.notify('error', error));
  }

  /** Ctrl/Cmd-click toggles one frame, Shift-click marks the range from the last one. */
  mark(id: number, mode: 'toggle' | 'range'): void {
    if (mode === 'range' && this.lastMarked !== undefined) {
      const a = this.visible.indexOf(this.lastMarked);
      const b = this.visible.indexOf(id);
      if (a >= 0 && b >= 0)
        for (let i = Math.min(a, b); i <= Math.max(a, b); i++) if (this.markable(this.visible[i])) this.marked.add(this.visible[i]);
    } else if (this.marked.has(id)) this.marked.delete(id);
    else if (this.markable(id)) this.marked.add(id);
    this.lastMarked = id;
    this.changed();
  }

  private markable(id: number): boolean {
    const f = this.frame(id);
    return !!f && f.direction !== 'event' && !!f.payload;
  }

  clearMarks(): void {
    this.marked.clear();
    this.lastMarked = undefined;
    this.changed();
  }

  /** The frames to replay: the marked ones in log order, else the selected one. */
  replayFrames(): Frame[] {
    const ids = this.marked.size ? [...this.marked].sort((a, b) => a - b) : this.selectedFrame !== undefined ? [this.selectedFrame] : [];
    return ids.map((id) => this.frame(id)).filter((f): f is Frame => !!f && f.direction !== 'event' && !!f.payload);
  }

  /** Replay on the primary socket: each item as edited, at its original offset or all at once. */
  async replay(items: { frame: Frame; payload: OutgoingPayload }[], timing: 'original' | 'fast'): Promise<string | undefined> {
    const sock = this.socket(this.primarySocket);
    if (!sock) return this.fail('Select a socket to replay on.');
    if (!items.length) return this.fail('Mark frames to replay first (Ctrl-click or Shift-click rows).');
    const t0 = items[0].frame.mono;
    const list: ReplayItem[] = items.map(({ frame, payload }) => ({
      direction: frame.direction === 'received' ? 'received' : 'sent',
      payload,
      at: timing === 'original' ? Math.max(0, frame.mono - t0) : 0,
    }));
    // the page answers once the last item went out: with the original timing, that is the last offset from now
    const wait = timing === 'original' ? list[list.length - 1].at + ANSWER_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
    const { error } = await this.client.request(addressOf(sock), { cmd: 'replay', sid: sock.sid, items: list }, wait);
    if (error) this.notify('error', error);
    return error;
  }

  private fail(text: string): string {
    this.notify('error', text);
    return text;
  }
}

/** Where a command for a socket, a row or a document goes: its browser frame and document. */
function addressOf(x: { frameId: number; docId: string }): Addressee {
  return { frameId: x.frameId, docId: x.docId };
}

/** Rules are kept per origin; pages without one (about:blank, file:) by their URL. */
export function originKey(url: string): string {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? url : o;
  } catch {
    return url;
  }
}
