/**
 * What the components see of the store: a read-only view, and the actions they may take. This is the seam between
 * them: components never reach into the log, so the log could move to a Worker (sending these reads across as
 * snapshots) without rewriting them. Reads are either plain values that are replaced, never changed, when they
 * change (selection, marks, settings, notices, rules) or counted by `revisions`: a component that watches the
 * values and revisions it shows redraws only when one of them moved.
 */
import type { OutgoingPayload, WorkerCapture } from '../../src/shared/protocol';
import type { ExportChoices, ExportScope } from '../lib/captureScript';
import type { RuleDraft } from '../lib/rules';
import type { DecoderChoice } from './decoding';
import type { CompiledFilter, FilterSpec, SavedFilter } from './filter';
import type { TypeStat } from './messageType';
import type { SavedFile } from './files';
import type { LogRevisions } from './log';
import type { Marks } from './marks';
import type { Doc, Frame, Socket } from './model';
import type { Notice } from './notices';
import type { ProtobufView } from './protobuf';
import type { ReplayTiming } from './replay';
import type { Selection } from './selection';
import type { SortSpec } from './sort';

export interface Settings {
  preserveLog: boolean;
  maxFrames: number;
  /** capture the sockets of the page's workers (Chromium: the debugger, and Chrome's "started debugging" bar) */
  captureWorkers?: boolean;
  /** record where the page called send() for each frame it sends (a stack per send: off unless asked) */
  sendStacks?: boolean;
  /** time the page's message listeners for each received frame (on unless switched off: see README Performance) */
  handlerTiming?: boolean;
  filter: FilterSpec;
}

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface Revisions extends LogRevisions {
  /** the rows in view: appended to, re-sorted, or recomputed for a new filter or selection */
  shown: number;
}

export interface Counts {
  /** rows in view */
  shown: number;
  /** keep-alive frames the "hide heartbeats" switch keeps out of view (0 when it is off) */
  hiddenBeats: number;
  /** rows in the log */
  total: number;
  /** rows trimmed by the frame limit */
  trimmed: number;
  /** events lost in the page before the panel read them */
  droppedInPage: number;
}

export interface PanelView {
  readonly revisions: Readonly<Revisions>;

  // ---- rows in view
  counts(): Counts;
  /** the rows in view from index `start` up to, not including, `end`: item i is the row at index start + i */
  rowsInRange(start: number, end: number): readonly (Frame | undefined)[];
  /** the id of the row at an index of the view */
  rowIdAt(index: number): number | undefined;
  /** where a row is in the view, or -1 */
  indexOfRow(rowId: number): number;

  // ---- the log by key
  row(rowId: number | undefined): Frame | undefined;
  /** a socket's row with a given seq: decoded rows point at each other that way */
  rowBySeq(socketKey: string, seq: number): Frame | undefined;
  socket(key: string | undefined): Socket | undefined;
  /** socket keys in order of creation */
  socketKeys(): readonly string[];
  doc(docId: string): Doc | undefined;
  docCount(): number;
  /** rows a rule holds, waiting for Forward, Edit or Drop */
  held(): Frame[];
  /** the rows a replay covers: the marked ones, else the selected one */
  replayRows(): Frame[];
  /** frames and bytes by message type over the selected sockets (all when none is picked), the filter aside */
  typeStats(): TypeStat[];
  /** what a test or mock-server export of a scope covers */
  scriptScope(scope: ExportScope): { sockets: number; frames: number };

  // ---- what the user chose
  readonly selection: Selection;
  readonly marks: Marks;
  readonly sort: SortSpec;
  readonly settings: Settings;
  readonly compiled: CompiledFilter;
  readonly paused: boolean;
  /** messages that arrived while paused and were not recorded */
  readonly pausedSkipped: number;
  readonly connection: Connection;
  /** worker capture as the background last said; undefined: this browser has none */
  readonly workerCapture: WorkerCapture | undefined;
  readonly notices: readonly Notice[];
  /** named filters for the inspected page's origin */
  readonly savedFilters: readonly SavedFilter[];

  // ---- traffic rules, for the inspected page's origin
  readonly ruleDrafts: readonly RuleDraft[];
  readonly rulesOn: boolean;
  /** chaos: the offline switch */
  readonly offline: boolean;
  readonly holdTimeoutMs: number;
  readonly rulesOrigin: string | undefined;
  /** rules commands the pages confirmed */
  readonly rulesAcks: number;

  // ---- the Protocol Buffers schema, for the inspected page's origin
  readonly protobuf: ProtobufView;
}

/** Actions that ask the page something resolve with an error text (also shown as a notice), or undefined. */
export interface PanelActions {
  selectSocket(key: string, mode?: 'only' | 'toggle'): void;
  selectAllSockets(): void;
  selectRow(rowId: number | undefined): void;
  mark(rowId: number, mode: 'toggle' | 'range'): void;
  clearMarks(): void;
  setSort(by: SortSpec['by']): void;
  setFilter(patch: Partial<FilterSpec>): void;
  saveFilter(name: string): void;
  applySavedFilter(name: string): void;
  deleteSavedFilter(name: string): void;
  setDecoder(key: string, choice: DecoderChoice): void;
  setPaused(paused: boolean): void;
  clear(): void;
  setPreserveLog(v: boolean): void;
  setCaptureWorkers(v: boolean): void;
  setSendStacks(v: boolean): void;
  setHandlerTiming(v: boolean): void;
  setMaxFrames(n: number): void;
  notify(level: Notice['level'], text: string): void;
  dismiss(id: number): void;
  act(kind: 'send' | 'inject', payload: OutgoingPayload): Promise<string | undefined>;
  closeSocket(code?: number, reason?: string): Promise<string | undefined>;
  fetchFullPayload(rowId: number): Promise<string | undefined>;
  decide(rowId: number, verdict: 'forward' | 'drop', payload?: OutgoingPayload): Promise<string | undefined>;
  resumeAll(): void;
  replay(items: { frame: Frame; payload: OutgoingPayload }[], timing: ReplayTiming): Promise<string | undefined>;
  setRules(drafts: readonly RuleDraft[], patch?: { on?: boolean; holdTimeoutMs?: number; offline?: boolean }): void;
  exportHar(): Promise<SavedFile>;
  exportJsonLines(): SavedFile;
  exportScript(choices: ExportChoices): Promise<SavedFile>;
  importHar(name: string, text: string): string | undefined;
  loadProtobufFiles(files: readonly { name: string; bytes: Uint8Array }[]): Promise<string | undefined>;
  removeProtobufFile(name: string): Promise<string | undefined>;
  setProtobufType(socketKey: string, direction: 'sent' | 'received', type: string | undefined): void;
}

export type Panel = PanelView & PanelActions & {
  /** call `listener` after every change; returns the unsubscribe */
  subscribe(listener: () => void): () => void;
};
