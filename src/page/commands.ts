/**
 * The panel's commands, one handler per `PageCommand['cmd']`: a command added to the protocol that nobody handles
 * here does not compile. Commands come over the bridge's private port, deep-copied without prototypes (`clean`), but
 * every field is still checked before use: a malformed command is answered or ignored, never thrown on.
 */
import { natives as N, describeError, nullArray } from './natives';
import { base64ToBytes, snapshot, utf8Length, type RawData } from './encode';
import { plainIterable } from './read-once';
import { closingState, type Post, type Recorder } from './recorder';
import { READY_STATE_NAMES, type LensSocket, type SocketTable } from './socket';
import type { Control } from './control';
import { PROTOCOL_VERSION, SOURCE, type OutgoingPayload, type PageCommand, type ReplayItem, type Rule } from '../shared/protocol';

type Command<K extends PageCommand['cmd']> = Extract<PageCommand, { cmd: K }>;
type Handlers = { [K in PageCommand['cmd']]: (m: Command<K>) => void };

export interface CommandContext {
  docId: string;
  post: Post;
  sockets: SocketTable;
  recorder: Recorder;
  control: Control;
  /** the panel set rules: the page's unload now matters (see install.ts) */
  rulesUsed(): void;
}

/** A frame the panel made, as data for a socket: received binary as the page's binaryType asks. */
export function outgoingData(payload: OutgoingPayload, binaryType?: string): RawData {
  if (payload.type === 'text') return N.String(payload.data);
  const bytes = base64ToBytes(N.String(payload.data));
  const buffer = N.typedArrayBuffer(bytes);
  if (binaryType !== 'blob') return buffer;
  const parts = nullArray<ArrayBuffer>();
  parts[0] = buffer;
  // the Blob constructor iterates its parts: a plain array would run the page's Array.prototype[Symbol.iterator]
  return new N.Blob(plainIterable(parts) as BlobPart[]);
}

export function createCommands(ctx: CommandContext): (msg: unknown) => void {
  const { docId, post, sockets, recorder, control } = ctx;

  function result(reqId: number, error?: string): void {
    post(
      error === undefined
        ? { source: SOURCE, v: PROTOCOL_VERSION, type: 'result', docId, reqId, ok: true }
        : { source: SOURCE, v: PROTOCOL_VERSION, type: 'result', docId, reqId, ok: false, error },
    );
  }
  const reqIdOf = (m: { reqId?: unknown }) => (typeof m.reqId === 'number' ? m.reqId : 0);

  /** Run `act` on the command's socket, or answer that it is gone. */
  function onSocket(m: { reqId: number; sid: number }, act: (socket: LensSocket, reqId: number) => void): void {
    const reqId = reqIdOf(m);
    const sid = typeof m.sid === 'number' ? m.sid : -1;
    const socket = sockets.get(sid);
    if (!socket) return result(reqId, 'Socket #' + sid + ' is closed or gone; nothing was done.');
    act(socket, reqId);
  }

  // dispatch checks `hasOwn` first, so nothing on the page's Object.prototype is ever called as a handler
  const handlers: Handlers = {
    subscribe(m) {
      recorder.subscribe(typeof m.since === 'number' ? m.since : -1);
    },
    unsubscribe() {
      recorder.unsubscribe();
      // rules live only while a panel watches: with no one to decide, held frames go on as they were
      control.stop();
    },
    payload(m) {
      recorder.payload(reqIdOf(m), typeof m.seq === 'number' ? m.seq : -1);
    },
    rules(m) {
      const error = control.setRules(N.isArray(m.rules) ? (m.rules as Rule[]) : [], typeof m.holdTimeoutMs === 'number' ? m.holdTimeoutMs : 0, m.offline === true);
      ctx.rulesUsed();
      result(reqIdOf(m), error);
    },
    decide(m) {
      const payload = m.payload;
      const edit = payload ? (sid: number, sent: boolean) => outgoingData(payload, sent ? undefined : sockets.get(sid)?.binaryType()) : undefined;
      let error: string | undefined;
      try {
        error = control.decide(typeof m.seq === 'number' ? m.seq : -1, m.verdict === 'drop' ? 'drop' : 'forward', edit);
      } catch (err) {
        error = 'Not forwarded: ' + describeError(err);
      }
      result(reqIdOf(m), error);
    },
    'resume-all'(m) {
      control.resumeAll();
      result(reqIdOf(m));
    },
    'page-options'(m) {
      recorder.options.sendStacks = m.sendStacks === true;
      recorder.options.handlerTiming = m.handlerTiming === true;
      result(reqIdOf(m));
    },
    send(m) {
      onSocket(m, (socket, reqId) => {
        const state = socket.readyState();
        if (state !== 1) return result(reqId, 'Not sent: the socket is ' + READY_STATE_NAMES[state] + ' (it must be OPEN). Your frame is kept in the composer.');
        try {
          const data = outgoingData(m.payload);
          socket.send(data);
          recorder.recordSent(socket, snapshot(data), 'panel');
          result(reqId);
        } catch (err) {
          result(reqId, 'Not sent: ' + describeError(err));
        }
      });
    },
    inject(m) {
      onSocket(m, (socket, reqId) => {
        const state = socket.readyState();
        if (state !== 1) return result(reqId, 'Not injected: the socket is ' + READY_STATE_NAMES[state] + '; a real server could not send on it now.');
        try {
          socket.deliver(outgoingData(m.payload, socket.binaryType()), 'injected');
          result(reqId);
        } catch (err) {
          result(reqId, 'Not injected: ' + describeError(err));
        }
      });
    },
    replay(m) {
      onSocket(m, (socket, reqId) => replay(socket, reqId, N.isArray(m.items) ? m.items : nullArray<ReplayItem>()));
    },
    close(m) {
      onSocket(m, (socket, reqId) => {
        const code = m.code === undefined ? undefined : m.code;
        const reason = m.reason === undefined ? '' : N.String(m.reason);
        if (code !== undefined && (typeof code !== 'number' || !(code === 1000 || (code >= 3000 && code <= 4999))))
          return result(reqId, 'Close code must be 1000 or between 3000 and 4999 (got ' + N.String(code) + ').');
        if (utf8Length(reason) > 123) return result(reqId, 'Close reason must be at most 123 bytes of UTF-8 (got ' + utf8Length(reason) + ').');
        const state = socket.readyState();
        if (state >= 2) return result(reqId, 'The socket is already ' + READY_STATE_NAMES[state] + '.');
        try {
          socket.close(code, reason);
          recorder.record(socket.sid, closingState());
          result(reqId);
        } catch (err) {
          result(reqId, 'Not closed: ' + describeError(err));
        }
      });
    },
  };

  /**
   * Replay frames on one socket, each at its offset (original timing) or all at 0 (as fast as possible). Sent
   * frames go on the wire, received ones are handed to the page as if the server sent them again. Like the
   * composer's frames they bypass the rules. The result comes when the last one went, with what could not.
   */
  function replay(socket: LensSocket, reqId: number, items: ReplayItem[]): void {
    let left = items.length;
    let failed = 0;
    if (!left) return result(reqId, 'Nothing to replay.');
    const replayOne = (item: ReplayItem) => {
      // the socket as the table has it now: one that closed meanwhile is gone from it
      const live = sockets.get(socket.sid);
      if (!live || live.readyState() !== 1) failed++;
      else {
        try {
          if (item.direction === 'sent') {
            const data = outgoingData(item.payload);
            live.send(data);
            recorder.recordSent(live, snapshot(data), 'replay');
          } else live.deliver(outgoingData(item.payload, live.binaryType()), 'replay');
        } catch {
          failed++;
        }
      }
      if (--left === 0) result(reqId, failed ? failed + ' of ' + items.length + ' frames were not replayed: the socket is no longer OPEN.' : undefined);
    };
    const one = (item: ReplayItem) => {
      try {
        replayOne(item);
      } catch (err) {
        recorder.fault(err);
      }
    };
    // each on its own timer, in order: setTimeout keeps the order of equal delays
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      N.setTimeout(() => one(item), typeof item.at === 'number' && item.at > 0 ? item.at : 0);
    }
  }

  return (msg) => {
    // The port is private to the bridge, but check shape anyway: a bad message is ignored, never thrown on.
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    if (m.source !== SOURCE || m.type !== 'command') return;
    const cmd = m.cmd;
    if (typeof cmd !== 'string' || !N.hasOwn(handlers, cmd)) return;
    // (un)subscribe is for whichever document the bridge serves; every other command names its document, and one
    // for another (a stale panel after a navigation) is ignored
    if (cmd !== 'subscribe' && cmd !== 'unsubscribe' && m.docId !== docId) return;
    (handlers[cmd as PageCommand['cmd']] as (m: unknown) => void)(m);
  };
}
