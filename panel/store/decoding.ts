/**
 * Runs the protocol decoders over the log. Each socket gets one decoder, chosen from its handshake (url and
 * negotiated subprotocol), else from the content of its first frames, else by hand ("decode as"). Decoding is eager
 * for a socket with a protocol, because pairing (acks, operation ids, request ids, packet ids) needs every frame in
 * order; a socket with none costs nothing per frame after its first few, which is what keeps a flood of plain
 * frames cheap. Plain JSON is the exception: it pairs nothing, so an undecided socket's JSON frames are decoded
 * lazily, only when a row or the detail shows them.
 */
import type { Decoded, FrameInput, Protocol, ProtocolId, SocketDecoder } from '../decoders/types';
import { PROTOCOLS, plainJsonProtocol, protocolById } from '../decoders';
import { base64ToBytes } from '../lib/base64';
import type { Frame, Socket } from './model';

/** message frames tried by content before a socket is left undecided */
const CONTENT_PROBES = 8;
/** how far back an update may reach for the frame it names (updates are about recent requests) */
const UPDATE_REACH = 20_000;

export type DecoderChoice = ProtocolId | 'none' | 'auto';

export interface DecoderRun {
  protocol: Protocol | undefined;
  decoder: SocketDecoder | undefined;
  probes: number;
  /** a hand-picked protocol (or 'none') that detection must not override */
  manual?: ProtocolId | 'none';
}

/** The part of the log the decoders need: its frames and sockets. */
export interface DecodeTarget {
  frames: Frame[];
  sockets: Map<string, Socket>;
  decoding: Map<string, DecoderRun>;
}

export function undecided(): Socket['decoder'] {
  return { id: 'none', how: 'undecided' };
}

function running(t: DecodeTarget, key: string): DecoderRun {
  let r = t.decoding.get(key);
  if (!r) t.decoding.set(key, (r = { protocol: undefined, decoder: undefined, probes: 0 }));
  return r;
}

/** What a decoder sees of a frame; undefined for lifecycle rows. */
export function frameInput(f: Frame): FrameInput | undefined {
  const p = f.payload;
  if (!p || (f.direction !== 'sent' && f.direction !== 'received')) return undefined;
  const base = { seq: f.seq, direction: f.direction, mono: f.mono, truncated: p.truncated };
  if (p.type === 'text') return { ...base, text: p.data };
  try {
    return { ...base, bytes: base64ToBytes(p.data) };
  } catch {
    return { ...base, bytes: new Uint8Array(0), truncated: true };
  }
}

function use(t: DecodeTarget, sock: Socket, protocol: Protocol, how: Socket['decoder']['how']): void {
  const r = running(t, sock.key);
  r.protocol = protocol;
  r.decoder = protocol.create({ url: sock.url, subprotocol: sock.protocol });
  sock.decoder = { id: protocol.id, how };
}

/**
 * A detection check that throws (a decoder bug a page's frame found) counts as "not this protocol": it must not stop
 * the rest of the batch from reaching the log.
 */
function guarded(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** A socket's url or subprotocol became known ('created', 'open'): the handshake may name its protocol. */
export function detectByHandshake(t: DecodeTarget, sock: Socket): void {
  const r = running(t, sock.key);
  if (r.manual || (r.protocol && sock.decoder.how === 'handshake')) return;
  const p = PROTOCOLS.find((x) => guarded(() => x.byHandshake(sock.url, sock.protocol)));
  if (p && p !== r.protocol) {
    use(t, sock, p, 'handshake');
    redecode(t, sock);
  }
}

/** Decode a new message frame of `sock` (in order), detecting the protocol from content while undecided. */
export function decodeNewFrame(t: DecodeTarget, sock: Socket, f: Frame): void {
  const r = running(t, sock.key);
  if (!r.protocol) {
    if (r.manual || r.probes >= CONTENT_PROBES) return;
    r.probes++;
    const input = frameInput(f);
    const p = input && PROTOCOLS.find((x) => guarded(() => x.byContent(input)));
    if (!p) return;
    // earlier frames were not recognised alone, but belong to the same conversation: decode them all from the start
    use(t, sock, p, 'content');
    redecode(t, sock);
    return;
  }
  decodeOne(t, sock, r, f);
}

function decodeOne(t: DecodeTarget, sock: Socket, r: DecoderRun, f: Frame): void {
  const input = frameInput(f);
  if (!input || !r.decoder) return;
  let out;
  try {
    out = r.decoder.decode(input);
  } catch (e) {
    // decoders are written not to throw; if one does, the frame stays raw and says why
    f.decoded = { protocol: r.protocol!.id, summary: '', fields: {}, search: '', error: `decoder failed: ${(e as Error).message}` };
    return;
  }
  f.decoded = out.decoded ?? undefined;
  if (out.updates) for (const u of out.updates) applyUpdate(t, sock.key, u.seq, u.decoded);
}

function applyUpdate(t: DecodeTarget, key: string, seq: number, decoded: Decoded): void {
  const frames = t.frames;
  for (let i = frames.length - 1, n = 0; i >= 0 && n < UPDATE_REACH; i--, n++) {
    const f = frames[i];
    if (f.seq === seq && f.socketKey === key) {
      f.decoded = decoded;
      return;
    }
  }
}

/** Decode every frame of a socket again with a fresh decoder (after detection, or a change of "decode as"). */
export function redecode(t: DecodeTarget, sock: Socket): void {
  const r = running(t, sock.key);
  r.decoder = r.protocol?.create({ url: sock.url, subprotocol: sock.protocol });
  for (const f of messagesOf(t, sock)) {
    f.decoded = undefined;
    if (r.protocol) decodeOne(t, sock, r, f);
  }
}

/**
 * A socket's message frames in the log, oldest first. Walks back from the newest frame and stops once it has as many
 * as the socket has counted: detection happens on a socket's first frames, usually the log's latest, so a new socket
 * does not cost a pass over a log of 200,000 frames (with none yet, it costs nothing).
 */
function messagesOf(t: DecodeTarget, sock: Socket): Frame[] {
  const want = sock.framesIn + sock.framesOut;
  const out: Frame[] = [];
  for (let i = t.frames.length - 1; i >= 0 && out.length < want; i--) {
    const f = t.frames[i];
    if (f.socketKey === sock.key && f.payload) out.push(f);
  }
  return out.reverse();
}

/**
 * "Decode as": a protocol, 'none' for raw frames, or 'auto' to detect again. `protocol` is the chosen protocol
 * already set up for this socket (Protocol Buffers bound to the socket's schema types), else the menu's own.
 */
export function chooseDecoder(t: DecodeTarget, sock: Socket, choice: DecoderChoice, protocol?: Protocol): void {
  const r = running(t, sock.key);
  r.protocol = undefined;
  r.decoder = undefined;
  r.probes = 0;
  r.manual = choice === 'auto' ? undefined : choice;
  sock.decoder = choice === 'none' ? { id: 'none', how: 'manual' } : undecided();
  if (choice === 'auto') {
    detectByHandshake(t, sock);
    // detect from content again, over the frames already in the log (a find decodes them all)
    for (const f of messagesOf(t, sock)) {
      if (r.protocol || r.probes >= CONTENT_PROBES) break;
      decodeNewFrame(t, sock, f);
    }
    if (!r.protocol) redecode(t, sock);
    return;
  }
  if (choice !== 'none') use(t, sock, protocol ?? protocolById(choice), 'manual');
  redecode(t, sock);
}

const lazyJson = new WeakMap<Frame, Decoded | null>();

/**
 * What to show for a frame: its decoded view, or for an undecided socket's JSON text frame, plain JSON decoded now
 * (cached per frame).
 */
export function decodedView(f: Frame, sock: Socket | undefined): Decoded | undefined {
  if (f.decoded) return f.decoded;
  if (!sock || sock.decoder.how !== 'undecided' || f.payload?.type !== 'text') return undefined;
  let d = lazyJson.get(f);
  if (d === undefined) {
    const input = frameInput(f);
    d = (input && plainJsonProtocol.byContent(input) && plainJsonProtocol.create().decode(input).decoded) || null;
    lazyJson.set(f, d ?? null);
  }
  return d ?? undefined;
}
