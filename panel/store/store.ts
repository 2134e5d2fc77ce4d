/**
 * The panel store: it owns the log and what the user chose, routes the background's messages into them, and carries
 * out the components' actions, asking the page through the page client. Components see it only as a Panel (a
 * read-only view and actions, ./view.ts); only the panel's entry point knows about ports (through the Transport,
 * faked in tests). Most of the logic lives in the modules it composes; what stays here is the order of things.
 */
import { decodeEvents, DEFAULT_HOLD_TIMEOUT_MS, type BackgroundToPanel, type CaptureEvent, type OutgoingPayload, type WorkerCapture } from '../../src/shared/protocol';
import { plural } from '../lib/format';
import { compileAll, type RuleDraft } from '../lib/rules';
import { importHar } from '../lib/har';
import { chooseDecoder, type DecoderChoice } from './decoding';
import { ProtobufSchemas, type ProtobufView, type StoredProtobuf } from './protobuf';
import type { ProtobufLib } from './protobufSchemas';
import { loadProtobufReader, protobufReaderReady } from '../decoders/protobuf';
import { compileFilter, EMPTY_FILTER, type CompiledFilter, type FilterSpec, type SavedFilter } from './filter';
import { typeStats, type TypeStat } from './messageType';
import { harFile, importedText, jsonLinesFile, rowsOfSockets, scriptFile, scriptRows, socketsToExport, type SavedFile } from './files';
import type { ExportChoices, ExportScope } from '../lib/captureScript';
import {
  applyPageMessage,
  applyWhilePaused,
  clearLog,
  createLog,
  decodingChanged,
  DEFAULT_MAX_FRAMES,
  dropOtherDocs,
  heldFrames,
  importLog,
  markDocGone,
  replacePayload,
  rowById,
  setMaxFrames,
  type Log,
} from './log';
import { mark, markable, NO_MARKS, replayRowIds, unmarkAll, type Marks } from './marks';
import type { Doc, Frame, Socket } from './model';
import { hookFaultText, withNotice, withoutNotice, type Notice } from './notices';
import { rulesOriginOf } from './origin';
import { PageClient, type Addressee, type Transport } from './pageClient';
import { replayCommand, type ReplayTiming } from './replay';
import { afterClear, newestSocket, NO_SELECTION, pickAllSockets, pickOnly, pickRow, pickSocket, type Selection } from './selection';
import { appendInView, rowsInView, withoutTrimmed, type ViewCriteria, type ViewRows } from './shown';
import { appendKeepsOrder, DEFAULT_SORT, nextSort, type SortSpec } from './sort';
import type { Connection, Counts, Panel, Revisions, Settings } from './view';

export type { Transport } from './pageClient';
export type { Connection, Settings } from './view';

/** Under a flood, rows in another order than the log's are re-sorted at most this often, not per batch. */
const RESORT_MS = 250;

type Listener = () => void;

export class Store implements Panel {
  /** The log itself: for the store's own modules, tests and diagnostics (window.__wsLens), never for components. */
  readonly log: Log;
  private client: PageClient;
  private listeners = new Set<Listener>();

  /** ids of the rows in view, in view order, and of the heartbeats hidden from it */
  private view: ViewRows = { shown: [], hiddenBeats: [] };
  private get shown(): number[] {
    return this.view.shown;
  }
  private shownRev = 0;
  private resortTimer: ReturnType<typeof setTimeout> | undefined;

  selection: Selection = NO_SELECTION;
  marks: Marks = NO_MARKS;
  sort: SortSpec = DEFAULT_SORT;
  settings: Settings;
  compiled: CompiledFilter;
  paused = false;
  pausedSkipped = 0;
  connection: Connection = 'connecting';
  /** worker capture on this tab, as the background last said (Chromium's debugger; none in Firefox yet) */
  workerCapture: WorkerCapture | undefined;
  notices: readonly Notice[] = [];
  private noticeId = 1;

  /** the inspected tab's top document: the page the files the panel writes are named after */
  private topDocId: string | undefined;
  /** traffic rules as the user wrote them, for the inspected page's origin */
  ruleDrafts: readonly RuleDraft[] = [];
  /** the master switch: off sends no rule to the page */
  rulesOn = true;
  /** chaos: every socket of the inspected tab offline (never stored: it ends with the panel) */
  offline = false;
  holdTimeoutMs = DEFAULT_HOLD_TIMEOUT_MS;
  /** origin of the inspected top document; rules are kept per origin */
  rulesOrigin: string | undefined;
  rulesAcks = 0;

  /** filters the user named, for the inspected page's origin (`rulesOrigin`); main.tsx keeps them in storage */
  savedFilters: readonly SavedFilter[] = [];

  /** the extension's version, for the files it writes */
  appVersion = 'dev';

  /** a row's socket, for the filter's terms (its url, its decoder) */
  private readonly socketOf: (key: string) => Socket | undefined;

  /** the inspected origin's Protocol Buffers schema and per-socket-URL message types */
  private pb: ProtobufSchemas;

  /** `loadProtobufLib`: the full protobufjs build, imported on first use (tests may hand in one that fails) */
  constructor(private transport: Transport, settings: Partial<Settings> = {}, loadProtobufLib?: () => Promise<ProtobufLib>) {
    this.pb = new ProtobufSchemas(loadProtobufLib);
    this.client = new PageClient(transport);
    // a filter saved before a field existed gets that field's default
    this.settings = { preserveLog: false, maxFrames: DEFAULT_MAX_FRAMES, ...settings, filter: { ...EMPTY_FILTER, ...settings.filter } };
    this.log = createLog(this.settings.maxFrames);
    this.socketOf = (key) => this.log.sockets.get(key);
    this.compiled = compileFilter(this.settings.filter.text, this.socketOf);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  // ------------------------------------------------------------------ ingest
  /** `events`: an events message's events when the caller decoded them already (the ingest queue applies a batch in parts) */
  receive(msg: BackgroundToPanel, events?: CaptureEvent[]): void {
    if (msg.type === 'frame-gone') {
      markDocGone(this.log, msg.docId);
      return this.changed();
    }
    if (msg.type === 'workers') return this.onWorkerCapture(msg.status);
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
    if (m.type === 'events' && m.fault) this.notify('error', hookFaultText(m.fault));
    const before = this.log.nextId;
    const base = this.log.base;
    if (m.type === 'events' && this.paused) {
      this.pausedSkipped += applyWhilePaused(this.log, msg.frameId, m, events ?? decodeEvents(m));
      return this.afterApply(before, base);
    }
    const socketsBefore = this.log.socketOrder.length;
    const { subscribe } = applyPageMessage(this.log, msg.frameId, m, events);
    if (this.log.socketOrder.length > socketsBefore && this.pb.anyOn()) this.protobufOnSight(this.log.socketOrder.slice(socketsBefore));
    if (subscribe) {
      const to = { frameId: msg.frameId, docId: subscribe.docId };
      this.client.post(to, { cmd: 'subscribe', since: subscribe.since });
      // rules apply only while a panel is subscribed, so every (re)subscription carries them
      if ((this.ruleDrafts.length && this.rulesOn) || this.offline) this.pushRulesTo(to);
      // and the page forgets its options when a panel goes (see recorder.unsubscribe)
      if (this.settings.sendStacks || this.handlerTiming) this.pushPageOptionsTo(to);
    }
    this.afterApply(before, base);
  }

  /** What the background says of worker capture on this tab: said once, where it needs the developer. */
  private onWorkerCapture(status: WorkerCapture): void {
    const before = this.workerCapture;
    this.workerCapture = status;
    // a reconnect repeats the status: say it once
    if (before && before.state === status.state) return this.changed();
    if (status.state === 'off' && status.reason) this.notify('error', status.reason);
    else if (status.state === 'on' && status.runningBefore > 0)
      this.notify('info', `${plural(status.runningBefore, 'worker was', 'workers were')} already running when capture began: reload the page to see ${status.runningBefore === 1 ? 'its' : 'their'} sockets.`);
    this.changed();
  }

  /** Bring the rows in view up to date with the rows added since `before`, and forget trimmed ones. */
  private afterApply(before: number, base: number): void {
    if (this.log.base !== base) this.view = withoutTrimmed(this.view, this.log);
    const added = appendInView(this.view, this.log, before, this.criteria());
    if (added || this.log.base !== base) this.shownRev++;
    if (added && !appendKeepsOrder(this.sort) && !this.resortTimer)
      this.resortTimer = setTimeout(() => {
        this.resortTimer = undefined;
        this.refilter();
      }, RESORT_MS);
    if (!this.selection.primary) this.followNewestSocket();
    this.changed();
  }

  /** Until the user picks a socket, the composer acts on the newest one. */
  private followNewestSocket(): void {
    const primary = newestSocket(this.log.socketOrder, this.log.sockets);
    if (primary) this.selection = { ...this.selection, primary };
  }

  private onNewTopDocument(docId: string, origin: string | undefined, url: string): void {
    const previous = this.topDocId;
    this.topDocId = docId;
    this.rulesOrigin = rulesOriginOf(origin, url);
    if (previous && !this.settings.preserveLog) {
      // imported files stay: they are not part of any page
      const keep = new Set([docId, ...[...this.log.docs.values()].filter((d) => d.imported).map((d) => d.docId)]);
      dropOtherDocs(this.log, keep);
      this.selection = NO_SELECTION;
      this.marks = unmarkAll(this.marks);
      this.refilter();
    }
  }

  setConnection(c: Connection): void {
    this.connection = c;
    this.changed();
  }

  // ------------------------------------------------------------------ the read-only view
  get revisions(): Revisions {
    return { ...this.log.revisions, shown: this.shownRev };
  }

  counts(): Counts {
    return { shown: this.shown.length, hiddenBeats: this.view.hiddenBeats.length, total: this.log.frames.length, trimmed: this.log.trimmed, droppedInPage: this.log.droppedInPage };
  }

  rowsInRange(start: number, end: number): (Frame | undefined)[] {
    const out: (Frame | undefined)[] = [];
    for (let i = start; i < end; i++) out.push(i >= 0 && i < this.shown.length ? rowById(this.log, this.shown[i]) : undefined);
    return out;
  }

  rowIdAt(index: number): number | undefined {
    return this.shown[index];
  }

  indexOfRow(rowId: number): number {
    return this.shown.indexOf(rowId);
  }

  row(rowId: number | undefined): Frame | undefined {
    return rowId === undefined ? undefined : rowById(this.log, rowId);
  }

  rowBySeq(socketKey: string, seq: number): Frame | undefined {
    const frames = this.log.frames;
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i].seq === seq && frames[i].socketKey === socketKey) return frames[i];
    return undefined;
  }

  socket(key: string | undefined): Socket | undefined {
    return key ? this.log.sockets.get(key) : undefined;
  }

  socketKeys(): readonly string[] {
    return this.log.socketOrder;
  }

  doc(docId: string): Doc | undefined {
    return this.log.docs.get(docId);
  }

  docCount(): number {
    return this.log.docs.size;
  }

  held(): Frame[] {
    return heldFrames(this.log);
  }

  replayRows(): Frame[] {
    return replayRowIds(this.marks, this.selection.rowId)
      .map((id) => this.row(id))
      .filter(markable);
  }

  // ------------------------------------------------------------------ view actions
  private criteria(): ViewCriteria {
    return { selection: this.selection, filter: this.settings.filter, compiled: this.compiled, sort: this.sort };
  }

  /** Recompute the rows in view over the whole log: after a change of filter, selection or order. */
  refilter(): void {
    this.view = rowsInView(this.log, this.criteria());
    this.shownRev++;
    this.changed();
  }

  setSort(by: SortSpec['by']): void {
    this.sort = nextSort(this.sort, by);
    this.refilter();
  }

  setFilter(patch: Partial<FilterSpec>): void {
    this.settings = { ...this.settings, filter: { ...this.settings.filter, ...patch } };
    this.compiled = compileFilter(this.settings.filter.text, this.socketOf);
    this.refilter();
  }

  // ------------------------------------------------------------------ saved filters
  /** Keep the filter as it is now under `name` (replacing one of that name). */
  saveFilter(name: string): void {
    const n = name.trim();
    if (!n) return;
    const kept: SavedFilter = { name: n, ...this.settings.filter };
    this.savedFilters = [...this.savedFilters.filter((x) => x.name !== n), kept].sort((a, b) => a.name.localeCompare(b.name));
    this.changed();
  }

  /** Put a saved filter in place: its query, direction, invert and heartbeat switch. */
  applySavedFilter(name: string): void {
    const f = this.savedFilters.find((x) => x.name === name);
    if (!f) return;
    this.setFilter({ text: f.text, direction: f.direction, invert: f.invert, hideHeartbeats: f.hideHeartbeats });
  }

  deleteSavedFilter(name: string): void {
    this.savedFilters = this.savedFilters.filter((x) => x.name !== name);
    this.changed();
  }

  /** The inspected origin's saved filters, from storage (main.tsx). */
  restoreSavedFilters(list: readonly SavedFilter[]): void {
    this.savedFilters = list.filter((x) => x && typeof x.name === 'string' && typeof x.text === 'string').map((x) => ({ ...EMPTY_FILTER, ...x }));
    this.changed();
  }

  /** Frames and bytes by message type over the selected sockets (all when none is picked), the filter aside. */
  typeStats(): TypeStat[] {
    const sel = this.selection.sockets;
    const frames = sel.size ? this.log.frames.filter((f) => sel.has(f.socketKey)) : this.log.frames;
    return typeStats(frames, this.socketOf);
  }

  selectSocket(key: string, mode: 'only' | 'toggle' = 'only'): void {
    this.selection = pickSocket(this.selection, key, mode);
    this.refilter();
  }

  selectAllSockets(): void {
    this.selection = pickAllSockets(this.selection);
    this.refilter();
  }

  selectRow(rowId: number | undefined): void {
    this.selection = pickRow(this.selection, rowId);
    this.changed();
  }

  mark(rowId: number, mode: 'toggle' | 'range'): void {
    this.marks = mark(this.marks, rowId, mode, this.shown, (id) => markable(this.row(id)));
    this.changed();
  }

  clearMarks(): void {
    this.marks = NO_MARKS;
    this.changed();
  }

  /** "Decode as" for one socket: a protocol, 'none' (raw), or 'auto' (detect again). */
  setDecoder(key: string, choice: DecoderChoice): void {
    const sock = this.socket(key);
    if (!sock) return;
    if (choice === 'protobuf-schema') {
      // the schema pane is where its types are chosen: for this socket
      this.pb.use(sock.url, true);
      this.pb.requestPane();
      this.selection = pickSocket(this.selection, key, 'only');
      chooseDecoder(this.log, sock, choice, this.pb.protocolFor(sock.url));
    } else {
      // the user decodes this endpoint another way: its next sockets are not decoded with the schema on sight
      if (sock.decoder.id === 'protobuf-schema') this.pb.use(sock.url, false);
      chooseDecoder(this.log, sock, choice);
    }
    decodingChanged(this.log);
    // decoded fields are searched too: the rows in view may change
    this.refilter();
    if ((choice === 'protobuf' || choice === 'protobuf-schema') && !protobufReaderReady()) void this.whenProtobufReader();
  }

  // ------------------------------------------------------------------ Protocol Buffers schema
  /** The protobuf reader loads on first use: read the frames of protobuf sockets again once it is there. */
  private whenProtobufReader(): Promise<void> {
    // once, however many sockets ask for it before it is there
    this.readerWait ??= loadProtobufReader().then(
      () => this.rebindProtobuf(),
      (e) => {
        this.readerWait = undefined;
        this.notify('error', `Could not load the protobuf reader: ${(e as Error).message}`);
      },
    );
    return this.readerWait;
  }
  private readerWait: Promise<void> | undefined;

  get protobuf(): ProtobufView {
    return this.pb.view;
  }

  /** What main.tsx keeps in storage for `protobufOrigin`. */
  protobufStored(): StoredProtobuf {
    return this.pb.stored();
  }

  get protobufOrigin(): string | undefined {
    return this.pb.origin;
  }

  /** The inspected origin's stored schema, or none (a new origin): replaces what was loaded. */
  async restoreProtobuf(origin: string | undefined, stored: StoredProtobuf | undefined): Promise<void> {
    const done = this.pb.restore(origin, stored);
    this.changed();
    await done;
    if (this.pb.origin !== origin) return;
    this.rebindProtobuf();
  }

  /** Load .proto files or descriptor sets into the schema; on failure the schema in use stays, and says why. */
  async loadProtobufFiles(files: readonly { name: string; bytes: Uint8Array }[]): Promise<string | undefined> {
    const done = this.pb.load(files);
    this.changed();
    const error = await done;
    this.rebindProtobuf();
    return error;
  }

  async removeProtobufFile(name: string): Promise<string | undefined> {
    const done = this.pb.remove(name);
    this.changed();
    const error = await done;
    this.rebindProtobuf();
    return error;
  }

  /** The message type a socket's frames in one direction are read as (kept for its URL); undefined: raw. */
  setProtobufType(key: string, direction: 'sent' | 'received', type: string | undefined): void {
    const sock = this.socket(key);
    if (!sock) return;
    this.pb.setType(sock.url, direction, type);
    this.rebindProtobuf();
  }

  /** New sockets of a URL decoded with the schema: decode them so, unless the user chose otherwise for them. */
  private protobufOnSight(keys: readonly string[]): void {
    for (const key of keys) {
      const sock = this.log.sockets.get(key);
      if (sock && sock.url && sock.decoder.how !== 'manual' && this.pb.typesFor(sock.url)?.on) {
        chooseDecoder(this.log, sock, 'protobuf-schema', this.pb.protocolFor(sock.url));
        // the reader loads on first use: a socket bound from storage is a first use too
        if (!protobufReaderReady()) void this.whenProtobufReader();
      }
    }
  }

  /** The schema, a URL's types or the reader changed: every socket read as protobuf reads again. */
  private rebindProtobuf(): void {
    for (const sock of this.log.sockets.values()) {
      if (sock.decoder.id === 'protobuf-schema' || (sock.url && sock.decoder.how !== 'manual' && this.pb.typesFor(sock.url)?.on))
        chooseDecoder(this.log, sock, 'protobuf-schema', this.pb.protocolFor(sock.url));
      else if (sock.decoder.id === 'protobuf') chooseDecoder(this.log, sock, 'protobuf');
      else continue;
      if (!protobufReaderReady()) void this.whenProtobufReader();
    }
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
    this.view = { shown: [], hiddenBeats: [] };
    this.shownRev++;
    this.selection = afterClear(this.selection, (k) => this.log.sockets.has(k));
    this.marks = unmarkAll(this.marks);
    this.pausedSkipped = 0;
    this.changed();
  }

  setPreserveLog(v: boolean): void {
    this.settings = { ...this.settings, preserveLog: v };
    this.changed();
  }

  setCaptureWorkers(v: boolean): void {
    this.settings = { ...this.settings, captureWorkers: v };
    this.transport.captureWorkers?.(v);
    this.changed();
  }

  setSendStacks(v: boolean): void {
    this.settings = { ...this.settings, sendStacks: v };
    for (const d of this.liveDocs()) this.pushPageOptionsTo(d);
    this.changed();
  }

  setHandlerTiming(v: boolean): void {
    this.settings = { ...this.settings, handlerTiming: v };
    for (const d of this.liveDocs()) this.pushPageOptionsTo(d);
    this.changed();
  }

  /** on unless the developer switched it off */
  get handlerTiming(): boolean {
    return this.settings.handlerTiming !== false;
  }

  private pushPageOptionsTo(to: Addressee): void {
    const options = { cmd: 'page-options', sendStacks: this.settings.sendStacks === true, handlerTiming: this.handlerTiming } as const;
    void this.client.request(addressOf(to), options).then(({ error }) => this.failed(error));
  }

  setMaxFrames(n: number): void {
    setMaxFrames(this.log, n);
    this.settings = { ...this.settings, maxFrames: this.log.maxFrames };
    this.refilter();
  }

  // ------------------------------------------------------------------ notices
  notify(level: Notice['level'], text: string): void {
    this.notices = withNotice(this.notices, { id: this.noticeId++, level, text });
    this.changed();
  }

  dismiss(id: number): void {
    this.notices = withoutNotice(this.notices, id);
    this.changed();
  }

  /** Notify and return the text: what a failed action resolves with. */
  private fail(text: string): string {
    this.notify('error', text);
    return text;
  }

  private failed(error: string | undefined): string | undefined {
    if (error) this.notify('error', error);
    return error;
  }

  // ------------------------------------------------------------------ actions on the page's socket
  /** Fetch a truncated row's whole payload from the page; it replaces the preview in the log. */
  async fetchFullPayload(rowId: number): Promise<string | undefined> {
    const f = this.row(rowId);
    const sock = f && this.socket(f.socketKey);
    if (!f || !sock) return 'That frame is no longer in the log.';
    const r = await this.client.request(addressOf(sock), { cmd: 'payload', seq: f.seq });
    if (r.payload) {
      replacePayload(this.log, f, r.payload);
      this.changed();
    }
    return r.error;
  }

  async act(kind: 'send' | 'inject', payload: OutgoingPayload): Promise<string | undefined> {
    const sock = this.socket(this.selection.primary);
    if (!sock) return this.fail('Select a socket first: nothing was sent.');
    if (this.importedFrom(sock)) return this.fail(`That socket was imported from ${this.importedFrom(sock)}: nothing can be sent on it.`);
    const { error } = await this.client.request(addressOf(sock), { cmd: kind, sid: sock.sid, payload });
    return this.failed(error);
  }

  async closeSocket(code?: number, reason?: string): Promise<string | undefined> {
    const sock = this.socket(this.selection.primary);
    if (!sock) return this.fail('Select a socket first.');
    if (this.importedFrom(sock)) return this.fail(`That socket was imported from ${this.importedFrom(sock)}: it cannot be closed.`);
    const { error } = await this.client.request(addressOf(sock), { cmd: 'close', sid: sock.sid, code, reason });
    return this.failed(error);
  }

  /** Imported sockets are a record of the past: say so instead of waiting for a page that is not there. */
  private importedFrom(sock: Socket): string | undefined {
    return this.log.docs.get(sock.docId)?.imported;
  }

  // ------------------------------------------------------------------ export and import
  private pageUrl(): string | undefined {
    return this.topDocId ? this.log.docs.get(this.topDocId)?.url : undefined;
  }

  /**
   * The selected sockets (or all) as HAR 1.2. Rows the page only sent a preview of are fetched whole first, while
   * their page is still there.
   */
  async exportHar(): Promise<SavedFile> {
    const sockets = socketsToExport(this.log, this.selection);
    const rows = rowsOfSockets(this.log, sockets);
    for (const f of rows) if (f.payload?.truncated && !this.log.docs.get(f.docId)?.gone) await this.fetchFullPayload(f.id);
    return harFile(sockets, rows, this.pageUrl(), this.appVersion);
  }

  /** What a test or mock-server export of `scope` would cover: sockets, and the page's and server's frames. */
  scriptScope(scope: ExportScope): { sockets: number; frames: number } {
    const { sockets, rows } = scriptRows(this.log, this.selection, [...this.marks.rowIds], scope);
    return { sockets: sockets.length, frames: rows.filter((f) => f.direction !== 'event').length };
  }

  /** The rows of `choices.scope` as a Playwright test or a mock server; previews are fetched whole first, as for HAR. */
  async exportScript(choices: ExportChoices): Promise<SavedFile> {
    const { sockets, rows } = scriptRows(this.log, this.selection, [...this.marks.rowIds], choices.scope);
    for (const f of rows) if (f.payload?.truncated && !this.log.docs.get(f.docId)?.gone) await this.fetchFullPayload(f.id);
    return scriptFile(sockets, rows, choices, this.pageUrl(), this.appVersion);
  }

  /** The rows in view (filter and socket selection applied), one JSON object per line. */
  exportJsonLines(): SavedFile {
    return jsonLinesFile(this.log, this.shown, this.pageUrl());
  }

  /** Load a HAR file's sockets beside the live ones. On any error the log is left exactly as it was. */
  importHar(name: string, text: string): string | undefined {
    const r = importHar(text);
    if (!r.ok) return this.fail(`Could not import ${name}: ${r.error}`);
    const docId = importLog(this.log, name, r.sockets);
    const keys = this.log.socketOrder.filter((k) => this.log.sockets.get(k)?.docId === docId);
    this.selection = pickOnly(keys);
    this.refilter();
    this.notify('info', importedText(name, keys.length, r.sockets, r.skipped));
    return undefined;
  }

  // ------------------------------------------------------------------ traffic control
  /** Replace the rules (or switch them all on or off) and tell every live document. */
  setRules(drafts: readonly RuleDraft[], patch: { on?: boolean; holdTimeoutMs?: number; offline?: boolean } = {}): void {
    this.ruleDrafts = drafts;
    if (patch.on !== undefined) this.rulesOn = patch.on;
    if (patch.offline !== undefined) this.offline = patch.offline;
    if (patch.holdTimeoutMs !== undefined) this.holdTimeoutMs = patch.holdTimeoutMs;
    for (const d of this.liveDocs()) this.pushRulesTo(d);
    this.changed();
  }

  private pushRulesTo(to: Addressee): void {
    const rules = compileAll(this.ruleDrafts, this.rulesOn);
    // the master switch is everything WS Lens does to traffic: off, the page is not offline either
    const offline = this.offline && this.rulesOn;
    void this.client.request(addressOf(to), { cmd: 'rules', rules, holdTimeoutMs: this.holdTimeoutMs, offline }).then(({ error }) => {
      if (error) return this.notify('error', error);
      this.rulesAcks++;
      this.changed();
    });
  }

  private liveDocs(): Doc[] {
    return [...this.log.docs.values()].filter((d) => !d.gone);
  }

  async decide(rowId: number, verdict: 'forward' | 'drop', payload?: OutgoingPayload): Promise<string | undefined> {
    // a held row may have been cleared from the table; the queue still has it
    const f = this.row(rowId) ?? [...this.log.queued.values()].find((q) => q.id === rowId);
    if (!f || !f.queued) return this.fail('That frame is no longer held.');
    const { error } = await this.client.request(addressOf(f), { cmd: 'decide', seq: f.seq, verdict, payload });
    return this.failed(error);
  }

  resumeAll(): void {
    for (const d of this.liveDocs()) void this.client.request(addressOf(d), { cmd: 'resume-all' }).then(({ error }) => this.failed(error));
  }

  /** Replay on the primary socket: each item as edited, at its original offset or all at once. */
  async replay(items: { frame: Frame; payload: OutgoingPayload }[], timing: ReplayTiming): Promise<string | undefined> {
    const sock = this.socket(this.selection.primary);
    if (!sock) return this.fail('Select a socket to replay on.');
    if (!items.length) return this.fail('Mark frames to replay first (Ctrl-click or Shift-click rows).');
    const cmd = replayCommand(items, timing);
    const { error } = await this.client.request(addressOf(sock), { cmd: 'replay', sid: sock.sid, items: cmd.items }, cmd.waitMs);
    return this.failed(error);
  }
}

/** Where a command for a socket, a row or a document goes: its browser frame and document. */
function addressOf(x: { frameId: number; docId: string }): Addressee {
  return { frameId: x.frameId, docId: x.docId };
}
