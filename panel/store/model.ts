import type { DocContext, HandlerRun, Outcome, Payload, RuleMark, SocketState } from '../../src/shared/protocol';
import type { Decoded, ProtocolId } from '../decoders/types';

/** `page`: an event or frame the page dispatched on its socket itself, not the socket's */
export type FrameKind = 'text' | 'binary' | 'event' | 'injected' | 'page';
export type FrameDirection = 'sent' | 'received' | 'event';

/**
 * One row of the log: a message (a WebSocket frame) or a lifecycle event of one socket. Its `id` is its row id;
 * `frameId` is the browser's frame (iframe) its document runs in, as everywhere in the protocol.
 */
export interface Frame {
  /** the row id: its position in the whole log, stable across trimming */
  id: number;
  socketKey: string;
  docId: string;
  /** the browser frame the socket's document is in (0: the tab's top frame), as the background numbers them */
  frameId: number;
  seq: number;
  time: number;
  /** the page's performance.now() at the event */
  mono: number;
  direction: FrameDirection;
  kind: FrameKind;
  /** one line of text for the table and the filter */
  preview: string;
  payload?: Payload;
  /** event rows: what happened */
  label?: string;
  origin?: 'panel' | 'injected' | 'replay' | 'mock' | 'page';
  bufferedAmount?: number;
  /** sent while the socket was CLOSING or CLOSED: the browser discarded it, the wire never carried it */
  discarded?: boolean;
  /** the traffic rule that touched the frame */
  rule?: RuleMark;
  /** a rewritten frame's text before the rule (payload is what went on) */
  original?: string;
  /** waiting in its socket's queue (held, delayed, or behind one) until `outcome` comes */
  queued?: boolean;
  outcome?: Outcome;
  /** ms it waited */
  waited?: number;
  /** what went on instead, when edited before forwarding */
  edited?: Payload;
  /** what the socket's protocol decoder made of it (Socket.IO event, GraphQL operation, MQTT packet…) */
  decoded?: Decoded;
  /** a page's send while send stacks were on: where the page called send() */
  stack?: string;
  /**
   * a received frame while handler timing was on: the page's listeners that ran for it (read them with `runsOf`),
   * and their total ms. The common case, one listener that neither threw nor stopped, keeps only its name (shared
   * by every such frame): `handler`; any other keeps the runs (`handlers`).
   */
  handler?: string;
  handlers?: HandlerRun[];
  handlerMs?: number;
  /** one of them threw */
  threw?: boolean;
}

export interface BufferedSample {
  time: number;
  amount: number;
  /** a send happened at this sample */
  send?: boolean;
}

export interface Socket {
  key: string;
  docId: string;
  /** the browser frame of its document */
  frameId: number;
  sid: number;
  url: string;
  /** what the page opened: a WebSocket, or a WebSocketStream (testing contract: the connection's `data-kind`) */
  kind: 'websocket' | 'stream';
  /** where it lives (`data-context`): a window's document or a worker, as its document says */
  context: DocContext;
  protocols: string[];
  protocol: string;
  extensions: string;
  state: SocketState;
  createdAt: number;
  openedAt?: number;
  closedAt?: number;
  code?: number;
  reason?: string;
  wasClean?: boolean;
  errored: boolean;
  /** a chaos rule (or the offline switch) refused the socket (created) or closed it (close) */
  chaos?: RuleMark;
  stack: string;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  bufferedAmount: number;
  /** bounded series for the backpressure chart */
  buffered: BufferedSample[];
  /** times of recent messages, for the rate readout */
  recentIn: number[];
  recentOut: number[];
  /** received frames' handler time (ms) at their times, for the handler ms/s readout */
  recentHandler: { time: number; ms: number }[];
  /** frames whose handler threw */
  threw: number;
  /** the protocol its frames are decoded as, and how that was decided ('none': shown raw) */
  decoder: { id: ProtocolId | 'none'; how: 'handshake' | 'content' | 'manual' | 'undecided' };
}

export interface Doc {
  docId: string;
  frameId: number;
  url: string;
  /** events the page could not keep for us (its ring overflowed before we read them) */
  dropped: number;
  /** highest seq seen, to resume without duplicates after a reconnect */
  lastSeq: number;
  gone: boolean;
  /** order of appearance, for "navigated to" markers */
  index: number;
  /** a log loaded from a file (HAR): read-only, no page behind it; the file's name */
  imported?: string;
  /** a window's document, or a worker (whose `url` is its script), as the background said */
  context: DocContext;
}

export function socketKey(docId: string, sid: number): string {
  return `${docId}#${sid}`;
}
