/**
 * The one protocol module: every message that crosses a boundary (page hook <-> content bridge <-> background
 * <-> panel) is typed here. Unions are named by direction. Everything coming from the page is untrusted data:
 * the guards below only check shape, never grant authority; commands only ever originate in the panel.
 */

export const PROTOCOL_VERSION = 1;
export const SOURCE = 'ws-lens' as const;

/** Where a socket stands; mirrors WebSocket.readyState 0..3. */
export type SocketState = 'connecting' | 'open' | 'closing' | 'closed';

/**
 * How a payload travels. Text stays text (exact, lone surrogates included: structured clone keeps them);
 * binary is base64. Either may be a preview: `size` is always the full size (UTF-16 code units for text, bytes
 * for binary) and `truncated` says the full payload must be fetched with a `payload` command.
 */
export interface Payload {
  /** 'blob' is binary that the page sent or received as a Blob. */
  type: 'text' | 'binary' | 'blob';
  /** text, or base64 of the (possibly cut) bytes */
  data: string;
  size: number;
  truncated: boolean;
}

/** Limits for what travels eagerly; the rest stays in the page's ring and is fetched on demand. */
export const TEXT_PREVIEW_CHARS = 16 * 1024;
export const BINARY_PREVIEW_BYTES = 8 * 1024;

/** How long a frame a rule holds waits for the panel's decision before it goes on as it was (the rule bar's default). */
export const DEFAULT_HOLD_TIMEOUT_MS = 30_000;

interface EventBase {
  /** per-document sequence number, strictly increasing: lets a reconnecting panel resume without loss or dups */
  seq: number;
  /** socket id, unique within one document */
  sid: number;
  /** monotonic high-resolution time in the page: performance.now(), ms since the document's time origin */
  mono: number;
  /** wall clock, ms since epoch: performance.timeOrigin + mono (so it never jumps with the system clock) */
  time: number;
}

export interface CreatedEvent extends EventBase {
  kind: 'created';
  url: string;
  protocols: string[];
  /** where the page created the socket (an Error stack, trimmed of the hook's own frames) */
  stack: string;
  /** a `WebSocketStream` (Chromium); absent for a `WebSocket` */
  socketKind?: 'stream';
  /** a chaos rule (server down) or the offline switch refused it: it fails as a refused connection, never connecting */
  rule?: RuleMark;
}
export interface OpenEvent extends EventBase {
  kind: 'open';
  protocol: string;
  extensions: string;
}
/** A frame (the socket's `message` event, or a send): named apart from the DOM's MessageEvent. */
export interface FrameEvent extends EventBase {
  kind: 'message';
  direction: 'sent' | 'received';
  payload: Payload;
  /**
   * how the frame came about, when not from the page itself (`mock`: a rule's canned reply; `page`: a MessageEvent
   * the page dispatched on its socket itself, which the socket never carried)
   */
  origin?: 'panel' | 'injected' | 'replay' | 'mock' | 'page';
  /** bufferedAmount right after a send */
  bufferedAmount?: number;
  /** a send on a CLOSING or CLOSED socket: the browser discarded it (it only adds it to bufferedAmount) */
  discarded?: boolean;
  /** the traffic rule that touched this frame, and how */
  rule?: RuleMark;
  /** a rewritten frame: what the page or the server produced (`payload` is what went on) */
  original?: string;
  /** the frame waits in its socket's queue (held by a rule, delayed, or behind one); a `verdict` event ends it */
  queued?: boolean;
  /** a page's send, while the panel asks for send stacks: where in the page `send()` was called (its frames only) */
  stack?: string;
  /** a received frame, while the panel asks for handler timing: the page's `message` listeners that ran for it */
  handlers?: HandlerRun[];
  /**
   * ...or, instead of `handlers`, the common case: one listener ran, and neither threw nor stopped the others. Its
   * name alone (its time is `handlerMs`): a flood of frames to one listener sends no runs array per frame.
   */
  handler?: string;
  /** their total time, ms */
  handlerMs?: number;
}
/** What one of the page's `message` listeners did with a received frame. */
export interface HandlerRun {
  /** the function's own name, else the start of its source; `handleEvent` for a listener object; `onmessage: …` */
  name: string;
  /** ms from the end of the listener before it (or of the hook's own) to its end, microtasks it queued included */
  ms?: number;
  /** the exception it threw, as the browser reported it on the global */
  threw?: HandlerError;
  /** it called stopImmediatePropagation(): the listeners after it did not run, and its time is not known */
  stopped?: true;
}
export interface HandlerError {
  message: string;
  /** the thrown Error's stack, when it was a genuine Error the page did not format itself */
  stack?: string;
  file?: string;
  line?: number;
  column?: number;
}
/**
 * A received frame's handler runs that came after the frame had left the page (the panel had it already): `ref` is
 * the seq of its message event.
 */
export interface HandledEvent extends EventBase {
  kind: 'handled';
  ref: number;
  /** as on a message event: the runs, or `handler` for the one listener that ran, neither throwing nor stopping */
  handlers?: HandlerRun[];
  handler?: string;
  handlerMs: number;
}
/** How a queued frame left its queue: `seq` of the message event it ends. */
export interface VerdictEvent extends EventBase {
  kind: 'verdict';
  ref: number;
  outcome: Outcome;
  /** ms it waited in the queue */
  waited: number;
  /** an edited frame: what went on instead */
  payload?: Payload;
}
export interface SocketErrorEvent extends EventBase {
  kind: 'error';
  /** the error of a connection a chaos rule refused */
  rule?: RuleMark;
}
export interface StateEvent extends EventBase {
  kind: 'state';
  state: SocketState;
}
export interface SocketCloseEvent extends EventBase {
  kind: 'close';
  code: number;
  reason: string;
  wasClean: boolean;
  /**
   * a chaos rule closed the socket (disconnect, offline) or refused it (server down): code, reason and wasClean are
   * what the page saw; `wire` is the code WS Lens closed the real socket with (absent: none, the server saw 1005)
   */
  rule?: RuleMark;
  wire?: number;
}
/** An open, error or close event the page dispatched on its socket itself (`isTrusted` false): not the socket's. */
export interface DispatchedEvent extends EventBase {
  kind: 'dispatched';
  type: string;
  code?: number;
  reason?: string;
}
export interface BufferedEvent extends EventBase {
  kind: 'buffered';
  amount: number;
}

export type CaptureEvent =
  | CreatedEvent
  | OpenEvent
  | FrameEvent
  | SocketErrorEvent
  | StateEvent
  | SocketCloseEvent
  | BufferedEvent
  | VerdictEvent
  | HandledEvent
  | DispatchedEvent;

/** Where a run of the hook lives: a window's document, or a worker's global (testing contract: `data-context`). */
export type DocContext = 'document' | 'worker' | 'service_worker' | 'shared_worker';

/**
 * Identity of one document (one run of the hook). A reload or navigation makes a new one. A worker's global is a
 * document too, for the log: its url is the worker's script and its context says which kind of worker.
 */
export interface DocInfo {
  docId: string;
  url: string;
  /** the document's origin, set by the background from the port's sender (never taken from the page) */
  origin?: string;
  /** true for the top-level document of the tab (set by the background from the sender's frameId) */
  top?: boolean;
  frameId?: number;
  /** set by the background from what the browser says of the target (never taken from the page); absent: a document */
  context?: DocContext;
}

// ---------------------------------------------------------------------------------------------------------------
// Page (MAIN world hook) -> panel. Carried over the MessageChannel, then the runtime ports, unchanged but for the
// `frameId` the background adds from the port's sender (never trusted from the page).

export type PageToPanel =
  | { source: typeof SOURCE; v: number; type: 'hello'; doc: DocInfo }
  | {
      source: typeof SOURCE;
      v: number;
      type: 'events';
      docId: string;
      /**
       * CaptureEvent[] as JSON. One string per batch is the cheap way across: the isolated-world bridge runs on the
       * page's own thread, and a string costs it one copy, where an object graph costs a structured-clone
       * deserialization there plus Chrome's conversion of the graph for the runtime port. Decode with decodeEvents.
       */
      json: string;
      /** events that fell out of the page's ring before anyone read them */
      dropped: number;
      /** true when this batch is a replay from the ring (sent on subscribe) */
      replay?: boolean;
      /** the hook caught errors of its own since the last batch (it never lets one reach the page): how many, the last */
      fault?: { count: number; message: string };
    }
  | { source: typeof SOURCE; v: number; type: 'result'; docId: string; reqId: number; ok: boolean; error?: string }
  | {
      source: typeof SOURCE;
      v: number;
      type: 'payload';
      docId: string;
      reqId: number;
      seq: number;
      payload?: Payload;
      error?: string;
    };

// ---------------------------------------------------------------------------------------------------------------
// Panel -> page. Commands name their target document; the background routes them by (tabId, frameId) and the hook
// ignores a command whose docId is not its own (a stale panel after a navigation).

// ---------------------------------------------------------------------------------------------------------------
// Traffic control. Rules are compiled in the panel into plain data (JSON paths as key lists, a template as parts,
// regexes as source + flags), so the page-side hook has no parser to trust and no page built-in to call.

export type RuleDirection = 'sent' | 'received' | 'both';
/** A JSON path as keys: `$.items[0].id` is ['items', 0, 'id']. */
export type JsonPath = (string | number)[];

export type RuleMatch =
  | { type: 'any' }
  /** substring of a text frame */
  | { type: 'text'; text: string }
  | { type: 'regex'; source: string; flags: string }
  /** a text frame that parses as JSON and has `path`; with `value` (JSON text), equal to it */
  | { type: 'json'; path: JsonPath; value?: string };

/** A mock reply template: literal text, the JSON (text) of a path in the outgoing frame, or the whole frame. */
export type TemplatePart = { lit: string } | { path: JsonPath } | { whole: true };

export type RuleAction =
  | { type: 'pause' }
  | { type: 'drop' }
  /** replace text (`regex` false: every occurrence of `find`; true: `find` is a regex source, `$1` works) */
  | { type: 'rewrite'; find: string; regex: boolean; flags: string; replace: string }
  /** set a JSON field to `value` (JSON text) */
  | { type: 'rewrite-json'; path: JsonPath; value: string }
  | { type: 'delay'; ms: number }
  /** an outgoing frame that matches gets `reply` injected as if the server answered; `send` also sends it */
  | { type: 'mock'; reply: TemplatePart[]; send: boolean; ms: number }
  // Chaos. `seed` makes a run repeatable: the k-th matching frame of a socket and direction draws the same number
  // (src/shared/prng.ts) in every run with that seed.
  /** a random delay from `min` to `max` ms per frame, order kept */
  | { type: 'jitter'; min: number; max: number; seed: number }
  /** drop `percent` % of the matching frames */
  | { type: 'loss'; percent: number; seed: number }
  /** send (or deliver) `percent` % of the matching frames twice */
  | { type: 'duplicate'; percent: number; seed: number }
  /**
   * close the socket as a server or the network would: after `n` matching frames (`after` 'frames'), or `n` ms
   * after it opened or the rule came (`after` 'ms'). The page sees `code` and `reason` (1006: wasClean false).
   */
  | { type: 'disconnect'; after: 'frames' | 'ms'; n: number; code: number; reason: string }
  /** new sockets to matching urls fail as a refused connection does, until `until` (wall clock, ms since epoch) */
  | { type: 'server-down'; until: number };

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  /** socket url: substring, or a regex when `urlRegex`; empty matches every socket */
  url: string;
  urlRegex: boolean;
  direction: RuleDirection;
  match: RuleMatch;
  action: RuleAction;
}

/** What a rule did to a frame, as the log shows it. */
export interface RuleMark {
  id: string;
  name: string;
  /** `offline`: the panel's offline switch (id `offline`), not a rule */
  action: RuleAction['type'] | 'offline';
  /** delay: the rule's ms; jitter: the ms drawn for this frame; mock: whether the original was sent too */
  ms?: number;
  sent?: boolean;
  /** duplicate: this frame is the copy */
  copy?: boolean;
  /** disconnect: the close code the page saw */
  code?: number;
  /** disconnect: the frame came while the rule was closing the socket, and went nowhere */
  cut?: boolean;
}

/**
 * How a queued frame left: forwarded as it was, forwarded edited, dropped in the panel, released after the hold
 * timeout, released because rules stopped applying (panel closed, page leaving, all rules off), or the socket had
 * closed by then so it could not go.
 */
export type Outcome = 'forwarded' | 'edited' | 'dropped' | 'timeout' | 'released' | 'socket-closed';

export interface ReplayItem {
  direction: 'sent' | 'received';
  payload: OutgoingPayload;
  /** ms after the first item */
  at: number;
}

export type PageCommand =
  | { cmd: 'subscribe'; since: number }
  | { cmd: 'unsubscribe' }
  | { cmd: 'send'; reqId: number; sid: number; payload: OutgoingPayload }
  | { cmd: 'inject'; reqId: number; sid: number; payload: OutgoingPayload }
  | { cmd: 'close'; reqId: number; sid: number; code?: number; reason?: string }
  | { cmd: 'payload'; reqId: number; seq: number }
  /**
   * the whole rule list (enabled or not) and the hold timeout; rules apply only while a panel is subscribed.
   * `offline`: every open socket drops and new ones fail, until a rules command without it (or the panel goes).
   */
  | { cmd: 'rules'; reqId: number; rules: Rule[]; holdTimeoutMs: number; offline?: boolean }
  /** decide on a held frame (by the seq of its message event) */
  | { cmd: 'decide'; reqId: number; seq: number; verdict: 'forward' | 'drop'; payload?: OutgoingPayload }
  | { cmd: 'resume-all'; reqId: number }
  /** what the page records beyond the frames: the stack of each send() (off unless asked; it costs the page a stack per send) */
  | { cmd: 'page-options'; reqId: number; sendStacks: boolean; handlerTiming: boolean }
  | { cmd: 'replay'; reqId: number; sid: number; items: ReplayItem[] };

/** A frame the panel wants sent or injected: text, or bytes in base64. */
export interface OutgoingPayload {
  type: 'text' | 'binary';
  data: string;
}

export type PanelToPage = { source: typeof SOURCE; v: number; type: 'command'; docId: string } & PageCommand;

// ---------------------------------------------------------------------------------------------------------------
// Panel <-> background: the panel introduces itself for its inspected tab; the background tells it about the
// documents it can reach and forwards page messages with their frameId.

export type PanelToBackground =
  | { source: typeof SOURCE; v: number; type: 'panel-hello'; tabId: number; captureWorkers?: boolean }
  /** the panel's "Workers" switch: capture the tab's workers (in Chromium, the debugger and its bar) or not */
  | { source: typeof SOURCE; v: number; type: 'capture-workers'; on: boolean }
  | { source: typeof SOURCE; v: number; type: 'to-frame'; frameId: number; message: PanelToPage };

export type BackgroundToPanel =
  | { source: typeof SOURCE; v: number; type: 'from-frame'; frameId: number; message: PageToPanel }
  | { source: typeof SOURCE; v: number; type: 'frame-gone'; frameId: number; docId: string }
  | { source: typeof SOURCE; v: number; type: 'route-error'; frameId: number; docId: string; reqId?: number; error: string }
  | { source: typeof SOURCE; v: number; type: 'workers'; status: WorkerCapture };

/**
 * Worker capture on this tab (Chromium: the debugger attached while a panel is open): `on` with how many workers were
 * already running when it began (their sockets show after a reload); `off` with why; `unavailable` where the browser
 * has no such mechanism yet.
 */
export type WorkerCapture =
  | { state: 'on'; runningBefore: number }
  | { state: 'off'; reason: string }
  | { state: 'unavailable'; reason: string };

/**
 * A worker hook's first word over its binding (src/page/worker-hook.ts): the document id its messages will carry.
 * Only the background reads it; the panel hears of the worker as a `hello` the background writes.
 */
export type WorkerLinkOpen = {
  source: typeof SOURCE;
  v: number;
  type: 'link-open';
  docId: string;
  /**
   * Firefox only: the worker's `self.location.href`, read by the hook before any of the worker's own code ran (the
   * filtered script's first statement). The background checks that it is of the bridge's frame's origin.
   */
  url?: string;
  /**
   * Firefox: set by the content bridge (never taken from the hook) when it heard the worker on a SharedWorker's or a
   * service worker's channel
   */
  context?: 'shared_worker' | 'service_worker';
};

export function isWorkerLinkOpen(x: unknown): x is WorkerLinkOpen {
  if (!isLensMessage(x) || x.type !== 'link-open') return false;
  const m = x as Record<string, unknown>;
  return typeof m.docId === 'string' && (m.url === undefined || typeof m.url === 'string');
}

/**
 * Firefox: the content bridge asks the worker hooks of its frame to (re)send their `link-open` on the discovery
 * channel (it opened the channel after they started, or a panel came and needs their hellos again).
 */
export type WorkerLinkPing = { source: typeof SOURCE; v: number; type: 'link-ping' };

export function isWorkerLinkPing(x: unknown): x is WorkerLinkPing {
  return isLensMessage(x) && x.type === 'link-ping';
}

/**
 * Firefox: the BroadcastChannel names of one frame's workers. `name` is the discovery channel (the hooks' `link-open`,
 * the bridge's `link-ping`); each worker's traffic goes on `workerChannel(name, docId)`. The name is the
 * background's secret, baked into the worker scripts it filters (src/background/workers-firefox.ts): the page never
 * sees a filtered script, so it cannot open, read or post on these channels.
 */
export function workerChannel(name: string, docId: string): string {
  return name + '/' + docId;
}

/**
 * Firefox, document hook -> its content bridge, over the hook's own port, with a MessagePort transferred: the link
 * of a worker the page built from a blob: or data: URL (src/page/worker-wrap-firefox.ts). The worker's hook says
 * `link-open` on that port, then carries its traffic on it.
 */
export type WorkerPortHandOver = { source: typeof SOURCE; v: number; type: 'worker-port' };

export function isWorkerPortHandOver(x: unknown): x is WorkerPortHandOver {
  return isLensMessage(x) && x.type === 'worker-port';
}

/** Background -> content bridges of a tab, by tabs.sendMessage: a panel came or went; a worker channel to listen on. */
export type BackgroundToBridge =
  | { source: typeof SOURCE; v: number; type: 'panel-present' }
  | { source: typeof SOURCE; v: number; type: 'panel-gone' }
  | {
      source: typeof SOURCE;
      v: number;
      type: 'worker-channel';
      name: string;
      /**
       * a SharedWorker's channel: the origin it serves (every bridge of a frame of that origin listens; a SharedWorker
       * belongs to no tab, webRequest says `tabId -1` of its script)
       */
      shared?: string;
      /** with `shared`: the channel is the origin's service workers' (its name is kept, sw-links-firefox.ts) */
      context?: 'service_worker';
    }
  /** Firefox: no panel of this tab shows that SharedWorker's document any more (the last one let go): unsubscribe it */
  | { source: typeof SOURCE; v: number; type: 'worker-release'; docId: string };

/**
 * Firefox, content bridge -> background over its runtime port: a service worker of its origin stopped answering the
 * bridge's pings (Firefox stops an idle one after about 30 s, open sockets or not; its hook cannot say so).
 */
export type WorkerGone = { source: typeof SOURCE; v: number; type: 'worker-gone'; docId: string };

export function isWorkerGone(x: unknown): x is WorkerGone {
  return isLensMessage(x) && x.type === 'worker-gone' && typeof (x as Record<string, unknown>).docId === 'string';
}

/** Content bridge -> background over runtime.sendMessage at start-up: is a panel listening to my tab? */
export type BridgeToBackground = { source: typeof SOURCE; v: number; type: 'bridge-hello' };
/**
 * Background -> content bridge, the answer to `bridge-hello`: Firefox adds the SharedWorker channels of its origin,
 * and its service workers' channel.
 */
export type BridgeHelloReply = { panel: boolean; shared?: string[]; service?: string[] };

// ---------------------------------------------------------------------------------------------------------------

export function envelope<T extends object>(body: T): T & { source: typeof SOURCE; v: number } {
  return { source: SOURCE, v: PROTOCOL_VERSION, ...body };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** Shape check for anything claiming to be ours. It proves nothing about who sent it. */
export function isLensMessage(x: unknown): x is { source: typeof SOURCE; v: number; type: string } {
  return isObject(x) && x.source === SOURCE && x.v === PROTOCOL_VERSION && typeof x.type === 'string';
}

const PAGE_TO_PANEL_TYPES = new Set(['hello', 'events', 'result', 'payload']);

export function isPageToPanel(x: unknown): x is PageToPanel {
  if (!isLensMessage(x) || !PAGE_TO_PANEL_TYPES.has(x.type)) return false;
  const m = x as Record<string, unknown>;
  switch (x.type) {
    case 'hello':
      return isObject(m.doc) && typeof m.doc.docId === 'string' && typeof m.doc.url === 'string';
    case 'events':
      return typeof m.docId === 'string' && typeof m.json === 'string' && typeof m.dropped === 'number';
    default:
      return typeof m.docId === 'string' && typeof m.reqId === 'number';
  }
}

/** every command, once: a command added to PageCommand and not here does not compile */
const COMMAND_NAMES: Record<PageCommand['cmd'], true> = {
  subscribe: true,
  unsubscribe: true,
  send: true,
  inject: true,
  close: true,
  payload: true,
  rules: true,
  decide: true,
  'resume-all': true,
  replay: true,
  'page-options': true,
};
const COMMANDS = new Set(Object.keys(COMMAND_NAMES));

export function isPanelToPage(x: unknown): x is PanelToPage {
  return (
    isLensMessage(x) &&
    x.type === 'command' &&
    typeof (x as Record<string, unknown>).docId === 'string' &&
    COMMANDS.has((x as Record<string, unknown>).cmd as string)
  );
}

export function isPanelToBackground(x: unknown): x is PanelToBackground {
  if (!isLensMessage(x)) return false;
  const m = x as Record<string, unknown>;
  if (x.type === 'panel-hello') return typeof m.tabId === 'number';
  if (x.type === 'capture-workers') return typeof m.on === 'boolean';
  if (x.type === 'to-frame') return typeof m.frameId === 'number' && isPanelToPage(m.message);
  return false;
}

export function isBackgroundToPanel(x: unknown): x is BackgroundToPanel {
  return isLensMessage(x) && (x.type === 'from-frame' || x.type === 'frame-gone' || x.type === 'route-error' || x.type === 'workers');
}

export function isBackgroundToBridge(x: unknown): x is BackgroundToBridge {
  if (!isLensMessage(x)) return false;
  const m = x as Record<string, unknown>;
  if (x.type === 'worker-channel')
    return typeof m.name === 'string' && (m.shared === undefined || typeof m.shared === 'string') && (m.context === undefined || (m.context === 'service_worker' && typeof m.shared === 'string'));
  if (x.type === 'worker-release') return typeof m.docId === 'string';
  return x.type === 'panel-present' || x.type === 'panel-gone';
}

/** The events of a batch. Page data: only its shape was checked, and a malformed batch yields no events. */
export function decodeEvents(msg: Extract<PageToPanel, { type: 'events' }>): CaptureEvent[] {
  try {
    const events: unknown = JSON.parse(msg.json);
    return Array.isArray(events) ? events.filter((e): e is CaptureEvent => isObject(e) && typeof e.seq === 'number' && typeof e.kind === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The handler runs a message or `handled` event carries, in either of its forms (see `handler`); undefined when it
 * carries none. Page data: the runs still need checking.
 */
export function eventRuns(e: { handlers?: unknown; handler?: unknown; handlerMs?: unknown }): unknown[] | undefined {
  if (Array.isArray(e.handlers)) return e.handlers;
  if (typeof e.handler === 'string') return [{ name: e.handler, ms: e.handlerMs }];
  return undefined;
}

/** Port names, so each side knows who is calling. */
export const PORT_PANEL = 'ws-lens/panel';
export const PORT_BRIDGE = 'ws-lens/bridge';

/** The one-time handshake that hands the MessageChannel port from the hook to the bridge. */
export const HANDSHAKE_KEY = '__wsLensHandshake_v1';
