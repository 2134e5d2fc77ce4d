/**
 * The seam between the kinds of socket a page can open and everything that is the same for all of them: recording,
 * traffic control and the panel's commands see a socket only through `LensSocket`. Each kind (the WebSocket wrapper
 * today; WebSocketStream and sockets inside workers next) is an adapter in adapters/ that implements it with the
 * natives of its own kind.
 */
import { nullArray } from './natives';
import type { RawData } from './encode';
import type { RuleMark } from '../shared/protocol';

/** How the hook hands the page a frame it did not receive from the wire just now: see `LensSocket.deliver`. */
export type Delivery = 'injected' | 'replay' | 'given-back';

export interface LensSocket {
  /** the socket's id, unique within the document */
  readonly sid: number;
  url(): string;
  /** 0..3, as WebSocket.readyState */
  readyState(): number;
  bufferedAmount(): number;
  /** what the page asked received binary to be ('blob' or 'arraybuffer'): frames the panel makes are handed over so */
  binaryType(): string;
  /** put a frame on the wire with the native send; records nothing (the caller does) */
  send(data: RawData): void;
  /**
   * hand the page a received frame. `injected` / `replay`: the panel made it, and the adapter records it with that
   * origin; `given-back`: a frame traffic control held and now lets through (recorded when it arrived, as `seq`).
   */
  deliver(data: RawData, as: Delivery, seq?: number): void;
  /** hand the page a close or error event that traffic control kept behind received frames */
  deliverEvent(type: 'close' | 'error', init?: CloseEventInit): void;
  /** the native close; records nothing (the caller does) */
  close(code?: number, reason?: string): void;
  /**
   * Chaos: close the socket as a server or the network would. An OPEN socket's page hears `code` and `reason`
   * (wasClean false for 1006) once the real socket has closed; a CONNECTING one fails as a connection does (error,
   * close 1006). Absent where the kind of socket cannot do it yet (WebSocketStream).
   */
  closeAs?(code: number, reason: string, mark: RuleMark): void;
}

/** The document's sockets by sid, while they can still carry a frame. */
export class SocketTable {
  // no prototype: an index not held yet is never looked up on the page's Array.prototype
  private readonly bySid = nullArray<LensSocket | undefined>();
  private nextSid = 1;

  /** a fresh sid for a new socket (sids start at 1 and are never reused in a document) */
  allocate(): number {
    return this.nextSid++;
  }

  add(socket: LensSocket): void {
    this.bySid[socket.sid] = socket;
  }

  get(sid: number): LensSocket | undefined {
    return typeof sid === 'number' && sid > 0 ? this.bySid[sid] : undefined;
  }

  /** every socket that can still carry a frame, in the order they were made */
  each(fn: (socket: LensSocket) => void): void {
    for (let sid = 1; sid < this.nextSid; sid++) {
      const socket = this.bySid[sid];
      if (socket) fn(socket);
    }
  }

  /** the socket closed: the panel can no longer act on it */
  forget(sid: number): void {
    this.bySid[sid] = undefined;
  }
}

export const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;
