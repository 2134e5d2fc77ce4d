/**
 * Protocol decoders turn a socket's frames into meaning (Socket.IO events, GraphQL operations, JSON-RPC calls,
 * STOMP and MQTT packets). They are pure and browser-free: the panel store feeds each socket's frames, in order,
 * to that socket's decoder, which keeps whatever pairing state its protocol needs (ack ids, operation ids, request
 * ids, packet ids). Frames refer to each other by `seq`, which is stable within a document (frame ids are not).
 */

export type ProtocolId =
  | 'socketio'
  | 'graphql-ws'
  | 'subscriptions-transport-ws'
  | 'json-rpc'
  | 'stomp'
  | 'mqtt'
  | 'sockjs'
  | 'actioncable'
  | 'phoenix'
  | 'signalr'
  | 'wamp'
  | 'msgpack'
  | 'cbor'
  | 'json'
  | 'protobuf'
  | 'protobuf-schema';

/** One message frame as a decoder sees it. */
export interface FrameInput {
  /** the frame's sequence number in its document: how decoded frames point at each other */
  seq: number;
  direction: 'sent' | 'received';
  /** ms, the page's performance.now(): for round-trip times */
  mono: number;
  /** a text frame */
  text?: string;
  /** a binary frame (a Blob's bytes too) */
  bytes?: Uint8Array;
  /** only a preview of the payload is here (large frames): decode what there is and say so in `error` */
  truncated: boolean;
}

/** A frame this one belongs with, e.g. `{ seq: 12, label: 'request' }` or `{ seq: 14, label: 'attachment 1' }`. */
export interface Related {
  seq: number;
  label: string;
}

export interface Decoded {
  protocol: ProtocolId;
  /** the Summary column: one short line, e.g. `event: chat message`, `subscribe #3 OnMessage`, `PUBLISH a/b QoS 1` */
  summary: string;
  /** the decoded structure, plain JSON-able data (no class instances, bytes as hex or text), shown as a tree */
  fields: Record<string, unknown>;
  /** text the filter matches besides the raw frame: decoded names, ids and values, space separated */
  search: string;
  /** frames this one belongs with: its request or response, the start of its operation, its attachments */
  related?: Related[];
  /** a response: ms since its request */
  rtt?: number;
  /** the frame looked like this protocol but could not be read fully (malformed, truncated preview) */
  error?: string;
  /** a keep-alive (ping/pong, heart-beat, `ka`, `h`): the panel's "hide heartbeats" switch hides these */
  heartbeat?: boolean;
}

export interface DecodeOutput {
  /** null: this frame is not of the protocol (the table shows it raw) */
  decoded: Decoded | null;
  /** earlier frames whose decoded view changes now (a request learns its response): replace theirs, by seq */
  updates?: { seq: number; decoded: Decoded }[];
}

/** One socket's decoder; frames arrive in the order they happened, both directions interleaved. */
export interface SocketDecoder {
  decode(frame: FrameInput): DecodeOutput;
}

export interface Handshake {
  url: string;
  /** '' when none */
  subprotocol: string;
}

export interface Protocol {
  id: ProtocolId;
  /** for the per-socket "decode as" menu */
  label: string;
  /** detection from the handshake alone: the socket's url and its negotiated subprotocol ('' when none) */
  byHandshake(url: string, subprotocol: string): boolean;
  /** detection from one frame's content when the handshake said nothing; must be cheap and strict */
  byContent(frame: FrameInput): boolean;
  /**
   * a fresh decoder for one socket; `handshake` is the socket's url and subprotocol when known, for a protocol
   * whose versions differ on the wire but not in their frames' look (Engine.IO 3's binary frames, `EIO=3`)
   */
  create(handshake?: Handshake): SocketDecoder;
}
