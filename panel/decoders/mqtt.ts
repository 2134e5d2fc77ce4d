/**
 * MQTT 3.1, 3.1.1 and 5.0 over WebSocket. MQTT is a byte stream: a WebSocket message may hold several control
 * packets or only part of one (mqtt.js in Node writes each field of a packet as its own message), so each direction
 * keeps a reassembly buffer and a packet is shown on the message that completes it.
 */
import type { Decoded, DecodeOutput, FrameInput, Protocol, Related, SocketDecoder } from './types';
import { Backlinks, TRUNCATED, describePayload, formatMs, remember, setOwn, utf8Text } from './util';

const TYPES = [
  'RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK',
  'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH',
] as const;
type PacketType = (typeof TYPES)[number];

const VERSIONS: Record<number, string> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

const CONNACK_V3 = [
  'accepted',
  'unacceptable protocol version',
  'identifier rejected',
  'server unavailable',
  'bad user name or password',
  'not authorized',
];

const REASONS: Record<number, string> = {
  0x00: 'Success', 0x01: 'Granted QoS 1', 0x02: 'Granted QoS 2', 0x04: 'Disconnect with Will Message',
  0x10: 'No matching subscribers', 0x11: 'No subscription existed', 0x18: 'Continue authentication',
  0x19: 'Re-authenticate', 0x80: 'Unspecified error', 0x81: 'Malformed Packet', 0x82: 'Protocol Error',
  0x83: 'Implementation specific error', 0x84: 'Unsupported Protocol Version', 0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password', 0x87: 'Not authorized', 0x88: 'Server unavailable', 0x89: 'Server busy',
  0x8a: 'Banned', 0x8b: 'Server shutting down', 0x8c: 'Bad authentication method', 0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over', 0x8f: 'Topic Filter invalid', 0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use', 0x92: 'Packet Identifier not found', 0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid', 0x95: 'Packet too large', 0x96: 'Message rate too high', 0x97: 'Quota exceeded',
  0x98: 'Administrative action', 0x99: 'Payload format invalid', 0x9a: 'Retain not supported',
  0x9b: 'QoS not supported', 0x9c: 'Use another server', 0x9d: 'Server moved',
  0x9e: 'Shared Subscriptions not supported', 0x9f: 'Connection rate exceeded', 0xa0: 'Maximum connect time',
  0xa1: 'Subscription Identifiers not supported', 0xa2: 'Wildcard Subscriptions not supported',
};

function reasonName(code: number, type: PacketType): string {
  if (code === 0 && type === 'DISCONNECT') return 'Normal disconnection';
  if (code === 0 && type === 'SUBACK') return 'Granted QoS 0';
  return REASONS[code] ?? `reason 0x${code.toString(16).padStart(2, '0')}`;
}

type PropKind = 'byte' | 'u16' | 'u32' | 'varint' | 'str' | 'bin' | 'pair';
const PROPERTIES: Record<number, [string, PropKind]> = {
  0x01: ['payloadFormatIndicator', 'byte'],
  0x02: ['messageExpiryInterval', 'u32'],
  0x03: ['contentType', 'str'],
  0x08: ['responseTopic', 'str'],
  0x09: ['correlationData', 'bin'],
  0x0b: ['subscriptionIdentifier', 'varint'],
  0x11: ['sessionExpiryInterval', 'u32'],
  0x12: ['assignedClientIdentifier', 'str'],
  0x13: ['serverKeepAlive', 'u16'],
  0x15: ['authenticationMethod', 'str'],
  0x16: ['authenticationData', 'bin'],
  0x17: ['requestProblemInformation', 'byte'],
  0x18: ['willDelayInterval', 'u32'],
  0x19: ['requestResponseInformation', 'byte'],
  0x1a: ['responseInformation', 'str'],
  0x1c: ['serverReference', 'str'],
  0x1f: ['reasonString', 'str'],
  0x21: ['receiveMaximum', 'u16'],
  0x22: ['topicAliasMaximum', 'u16'],
  0x23: ['topicAlias', 'u16'],
  0x24: ['maximumQoS', 'byte'],
  0x25: ['retainAvailable', 'byte'],
  0x26: ['userProperties', 'pair'],
  0x27: ['maximumPacketSize', 'u32'],
  0x28: ['wildcardSubscriptionAvailable', 'byte'],
  0x29: ['subscriptionIdentifierAvailable', 'byte'],
  0x2a: ['sharedSubscriptionAvailable', 'byte'],
};

class Malformed extends Error {}

const lenient = new TextDecoder();

/** binary data (correlation data, will payloads) for the tree: its text when it is UTF-8, else hex */
function binary(bytes: Uint8Array): string | { hex: string } {
  const text = utf8Text(bytes);
  return text !== undefined ? text : { hex: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') };
}

/** Reads one packet's variable header and payload; overruns throw Malformed (caught per packet). */
class Reader {
  pos: number;
  constructor(
    private b: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  get left(): number {
    return this.end - this.pos;
  }
  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new Malformed(`${what} runs past the end of the packet`);
  }
  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.b[this.pos++];
  }
  u16(what = 'a two-byte integer'): number {
    this.need(2, what);
    const v = (this.b[this.pos] << 8) | this.b[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u32(what = 'a four-byte integer'): number {
    this.need(4, what);
    const v = ((this.b[this.pos] << 24) >>> 0) + ((this.b[this.pos + 1] << 16) | (this.b[this.pos + 2] << 8) | this.b[this.pos + 3]);
    this.pos += 4;
    return v;
  }
  varint(what = 'a variable byte integer'): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8(what);
      v += (byte & 0x7f) * 128 ** i;
      if (!(byte & 0x80)) return v;
    }
    throw new Malformed(`${what} is longer than 4 bytes`);
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  bin(what: string): Uint8Array {
    return this.bytes(this.u16(what), what);
  }
  str(what: string): string {
    return lenient.decode(this.bin(what));
  }
  rest(): Uint8Array {
    return this.bytes(this.left, 'the payload');
  }

  /** MQTT 5 properties: a length, then identifier/value pairs */
  properties(where: string): Record<string, unknown> | undefined {
    const length = this.varint(`the ${where} properties length`);
    const end = this.pos + length;
    if (end > this.end) throw new Malformed(`the ${where} properties run past the end of the packet`);
    if (length === 0) return undefined;
    const props: Record<string, unknown> = {};
    while (this.pos < end) {
      const id = this.varint('a property identifier');
      const known = PROPERTIES[id];
      if (!known) throw new Malformed(`unknown property 0x${id.toString(16)} in the ${where} properties`);
      const [name, kind] = known;
      if (kind === 'pair') {
        const key = this.str('a user property name');
        const value = this.str('a user property value');
        const users = (props.userProperties ??= {}) as Record<string, string | string[]>;
        // user properties may repeat, even with the same name: keep them all
        const had = Object.hasOwn(users, key) ? users[key] : undefined;
        setOwn(users, key, had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]);
        continue;
      }
      const value =
        kind === 'byte' ? this.u8(name)
        : kind === 'u16' ? this.u16(name)
        : kind === 'u32' ? this.u32(name)
        : kind === 'varint' ? this.varint(name)
        : kind === 'str' ? this.str(name)
        : binary(this.bin(name));
      // a PUBLISH carries one subscription identifier per matching subscription
      if (name in props && name === 'subscriptionIdentifier') props[name] = ([] as unknown[]).concat(props[name], value);
      else props[name] = value;
    }
    if (this.pos !== end) throw new Malformed(`the ${where} properties overrun their length`);
    return props;
  }
}

/** one complete control packet, decoded */
interface Packet {
  type: PacketType;
  summary: string;
  fields: Record<string, unknown>;
  search: string[];
  packetId?: number;
  qos?: number;
  error?: string;
}

/** per-socket state the packets depend on */
interface Context {
  /** protocol level from CONNECT: 3, 4 or 5 */
  level: number;
  /** MQTT 5 topic aliases, per direction: an alias replaces the topic in later PUBLISHes */
  aliases: Map<number, string>;
}

function reasonFields(fields: Record<string, unknown>, code: number, type: PacketType): void {
  fields.reasonCode = code;
  fields.reason = reasonName(code, type);
}

function withProperties(fields: Record<string, unknown>, props: Record<string, unknown> | undefined, search: string[]): void {
  if (!props) return;
  fields.properties = props;
  for (const [name, value] of Object.entries(props)) {
    if (name === 'userProperties') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) search.push(k, ...([] as unknown[]).concat(v).map(String));
    } else if (typeof value === 'string' && name !== 'authenticationData') {
      search.push(value);
    }
  }
}

function readPacketId(r: Reader, p: Packet): number {
  const id = r.u16('the packet identifier');
  p.fields.packetId = id;
  p.packetId = id;
  return id;
}

/** what follows the fixed header, by packet type: fills in the packet's fields and summary */
type BodyReader = (r: Reader, p: Packet, ctx: Context, flags: number) => void;

const readConnect: BodyReader = (r, p, ctx) => {
  const { fields, search } = p;
  const protocol = r.str('the protocol name');
  const level = r.u8('the protocol level');
  if (protocol !== 'MQTT' && protocol !== 'MQIsdp') throw new Malformed(`unknown protocol name ${JSON.stringify(protocol)}`);
  // the level chosen here governs how every later packet of the socket reads
  ctx.level = level;
  const v5 = level === 5;
  const connectFlags = r.u8('the connect flags');
  const keepAlive = r.u16('the keep alive');
  Object.assign(fields, { protocol, version: VERSIONS[level] ?? `level ${level}`, protocolLevel: level });
  fields[v5 ? 'cleanStart' : 'cleanSession'] = Boolean(connectFlags & 0x02);
  fields.keepAlive = keepAlive;
  withProperties(fields, v5 ? r.properties('CONNECT') : undefined, search);
  const clientId = r.str('the client identifier');
  fields.clientId = clientId;
  search.push(clientId);
  if (connectFlags & 0x04) {
    const willProps = v5 ? r.properties('will') : undefined;
    const topic = r.str('the will topic');
    const will: Record<string, unknown> = { topic, qos: (connectFlags >> 3) & 3, retain: Boolean(connectFlags & 0x20) };
    will.payload = describePayload(r.bin('the will payload')).value;
    if (willProps) will.properties = willProps;
    fields.will = will;
    search.push(topic);
  }
  if (connectFlags & 0x80) fields.username = r.str('the user name');
  if (connectFlags & 0x40) {
    r.bin('the password');
    // never show a password
    fields.password = '(set)';
  }
  p.summary = `CONNECT v${v5 ? '5' : (VERSIONS[level] ?? level)} ${clientId || '(empty client id)'} · keepalive ${keepAlive}`;
};

const readConnack: BodyReader = (r, p, ctx) => {
  const { fields } = p;
  const ackFlags = r.u8('the acknowledge flags');
  const code = r.u8('the return code');
  fields.sessionPresent = Boolean(ackFlags & 1);
  // a server without MQTT 5 refuses a v5 CONNECT with a 3.1.1 CONNACK: no properties, return code 1
  if (ctx.level === 5 && r.left === 0 && code > 0 && code < 0x80) {
    ctx.level = 4;
    fields.note = 'a 3.1.1 CONNACK: the server does not speak MQTT 5';
  }
  let result: string;
  if (ctx.level === 5) {
    reasonFields(fields, code, 'CONNACK');
    withProperties(fields, r.properties('CONNACK'), p.search);
    result = code === 0 ? 'accepted' : `${reasonName(code, 'CONNACK')} (0x${code.toString(16)})`;
  } else {
    fields.returnCode = code;
    fields.reason = CONNACK_V3[code] ?? `return code ${code}`;
    result = code === 0 ? 'accepted' : `refused: ${fields.reason}`;
  }
  p.search.push(String(fields.reason));
  p.summary = `CONNACK ${result}${fields.sessionPresent ? ' · session present' : ''}`;
};

const readPublish: BodyReader = (r, p, ctx, flags) => {
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw new Malformed('PUBLISH with QoS 3');
  let topic = r.str('the topic name');
  const packetId = qos > 0 ? r.u16('the packet identifier') : undefined;
  const props = ctx.level === 5 ? r.properties('PUBLISH') : undefined;
  const alias = props?.topicAlias as number | undefined;
  if (alias !== undefined) {
    if (topic) ctx.aliases.set(alias, topic);
    else topic = ctx.aliases.get(alias) ?? '';
  }
  const payload = r.rest();
  const described = describePayload(payload, /json/i.test(String(props?.contentType ?? '')));
  Object.assign(p.fields, { topic, qos, retain: Boolean(flags & 1), dup: Boolean(flags & 8) });
  if (packetId !== undefined) p.fields.packetId = p.packetId = packetId;
  withProperties(p.fields, props, p.search);
  Object.assign(p.fields, { payload: described.value, payloadFormat: described.format, payloadBytes: payload.length });
  p.qos = qos;
  p.search.push(topic);
  p.summary = [
    `PUBLISH ${topic || `(alias ${alias ?? '?'})`}`,
    `QoS ${qos}`,
    packetId !== undefined ? `#${packetId}` : undefined,
    `${payload.length} B`,
    flags & 1 ? 'retain' : undefined,
    flags & 8 ? 'dup' : undefined,
  ].filter(Boolean).join(' · ');
};

/** PUBACK, PUBREC, PUBREL, PUBCOMP */
const readPublishAck: BodyReader = (r, p, ctx) => {
  p.summary = `${p.type} #${readPacketId(r, p)}`;
  // MQTT 5 leaves the reason code out when it is 0 and there are no properties
  if (ctx.level === 5 && r.left > 0) {
    const code = r.u8('the reason code');
    reasonFields(p.fields, code, p.type);
    if (code !== 0) p.summary += ` ${reasonName(code, p.type)}`;
    if (r.left > 0) withProperties(p.fields, r.properties(p.type), p.search);
  }
};

const readSubscribe: BodyReader = (r, p, ctx) => {
  const v5 = ctx.level === 5;
  const packetId = readPacketId(r, p);
  withProperties(p.fields, v5 ? r.properties('SUBSCRIBE') : undefined, p.search);
  const subs: Record<string, unknown>[] = [];
  while (r.left > 0) {
    const topic = r.str('a topic filter');
    const options = r.u8('the subscription options');
    const sub: Record<string, unknown> = { topic, qos: options & 3 };
    if (v5) Object.assign(sub, { noLocal: Boolean(options & 4), retainAsPublished: Boolean(options & 8), retainHandling: (options >> 4) & 3 });
    subs.push(sub);
    p.search.push(topic);
  }
  if (!subs.length) throw new Malformed('SUBSCRIBE without a topic filter');
  p.fields.subscriptions = subs;
  p.summary = `SUBSCRIBE #${packetId} ${subs.map((s) => `${s.topic} QoS ${s.qos}`).join(', ')}`;
};

/** SUBACK, UNSUBACK */
const readSubscribeAck: BodyReader = (r, p, ctx) => {
  const v5 = ctx.level === 5;
  p.summary = `${p.type} #${readPacketId(r, p)}`;
  withProperties(p.fields, v5 ? r.properties(p.type) : undefined, p.search);
  // a 3.1.1 UNSUBACK has nothing after the packet identifier
  if (p.type === 'UNSUBACK' && !v5) return;
  const codes = Array.from(r.rest());
  const names = codes.map((c) => (v5 ? reasonName(c, p.type) : c < 3 ? `Granted QoS ${c}` : 'Failure'));
  Object.assign(p.fields, { reasonCodes: codes, reasons: names });
  p.search.push(...names);
  if (p.type === 'SUBACK') {
    p.summary += ` ${codes.map((c, i) => (c < 3 ? `granted ${c}` : `${names[i]} (0x${c.toString(16)})`)).join(', ')}`;
  } else if (codes.some((c) => c !== 0)) {
    p.summary += ` ${names.join(', ')}`;
  }
};

const readUnsubscribe: BodyReader = (r, p, ctx) => {
  const packetId = readPacketId(r, p);
  withProperties(p.fields, ctx.level === 5 ? r.properties('UNSUBSCRIBE') : undefined, p.search);
  const topics: string[] = [];
  while (r.left > 0) topics.push(r.str('a topic filter'));
  p.fields.topics = topics;
  p.search.push(...topics);
  p.summary = `UNSUBSCRIBE #${packetId} ${topics.join(', ')}`;
};

/** DISCONNECT, AUTH: in MQTT 5 a reason code and properties, both optional */
const readReason: BodyReader = (r, p, ctx) => {
  if (p.type === 'AUTH' && ctx.level !== 5) throw new Malformed('AUTH is an MQTT 5 packet');
  if (ctx.level !== 5 || r.left === 0) return;
  const code = r.u8('the reason code');
  reasonFields(p.fields, code, p.type);
  if (r.left > 0) withProperties(p.fields, r.properties(p.type), p.search);
  if (code !== 0) p.summary += ` ${reasonName(code, p.type)} (0x${code.toString(16)})`;
  p.search.push(reasonName(code, p.type));
};

const BODIES: Record<PacketType, BodyReader> = {
  RESERVED: () => {
    throw new Malformed('packet type 0 is reserved');
  },
  CONNECT: readConnect,
  CONNACK: readConnack,
  PUBLISH: readPublish,
  PUBACK: readPublishAck,
  PUBREC: readPublishAck,
  PUBREL: readPublishAck,
  PUBCOMP: readPublishAck,
  SUBSCRIBE: readSubscribe,
  SUBACK: readSubscribeAck,
  UNSUBSCRIBE: readUnsubscribe,
  UNSUBACK: readSubscribeAck,
  PINGREQ: () => {},
  PINGRESP: () => {},
  DISCONNECT: readReason,
  AUTH: readReason,
};

/** Decode one packet whose bytes are b[start, end), the fixed header at `start`, the rest from `body`. */
function readPacket(b: Uint8Array, start: number, body: number, end: number, ctx: Context): Packet {
  const type = TYPES[b[start] >> 4];
  const flags = b[start] & 0x0f;
  const packet: Packet = { type, summary: type, fields: { type }, search: [type] };
  const r = new Reader(b, body, end);
  // [MQTT-2.1.3-1]: the flags are fixed for every type but PUBLISH
  const fixed = type === 'PUBREL' || type === 'SUBSCRIBE' || type === 'UNSUBSCRIBE' ? 2 : 0;
  if (type !== 'PUBLISH' && flags !== fixed) packet.error = `${type} with header flags ${flags}, not ${fixed}`;
  try {
    BODIES[type](r, packet, ctx, flags);
    if (r.left > 0) packet.error ??= `${r.left} B left over at the end of the ${type}`;
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    packet.error = e.message;
  }
  if (packet.packetId !== undefined) packet.search.push(`#${packet.packetId}`);
  return packet;
}

/** a fixed header: the packet's total size, or what is missing to know it */
function fixedHeader(b: Uint8Array, at: number): { size: number; body: number } | 'more' | 'bad' {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const p = at + 1 + i;
    if (p >= b.length) return 'more';
    length += (b[p] & 0x7f) * 128 ** i;
    if (!(b[p] & 0x80)) return { size: 2 + i + length, body: p + 1 };
  }
  return 'bad';
}

/** bytes of one direction that do not make a whole packet yet */
interface Pending {
  chunks: Uint8Array[];
  size: number;
  /** the packet's total size, once its fixed header is in */
  total?: number;
  /** the message where the packet began */
  seq: number;
}

interface Waiting {
  seq: number;
  mono: number;
  type: PacketType;
}

/** who answers which packet: the answer's type, coming the other way, with the same packet id */
const ANSWERS: Partial<Record<PacketType, PacketType>> = {
  CONNECT: 'CONNACK', SUBSCRIBE: 'SUBACK', UNSUBSCRIBE: 'UNSUBACK', PINGREQ: 'PINGRESP', PUBREC: 'PUBREL', PUBREL: 'PUBCOMP',
};
/** answers whose summary has nothing else to say: they show their round-trip time */
const TIMED = new Set<PacketType>(['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'UNSUBACK', 'PINGRESP']);

class MqttDecoder implements SocketDecoder {
  /** the protocol level CONNECT asked for; 3.1.1 until one is seen */
  private level = 4;
  private aliases = { sent: new Map<number, string>(), received: new Map<number, string>() };
  private pending: { sent?: Pending; received?: Pending } = {};
  private waiting = new Map<string, Waiting>();
  private backlinks = new Backlinks();

  decode(frame: FrameInput): DecodeOutput {
    if (!frame.bytes) return { decoded: null };
    try {
      return this.read(frame, frame.bytes);
    } catch (e) {
      // a last guard: a page's bytes must never break the panel
      this.pending[frame.direction] = undefined;
      return { decoded: { protocol: 'mqtt', summary: 'MQTT (unreadable)', fields: {}, search: '', error: String(e) } };
    }
  }

  private read(frame: FrameInput, bytes: Uint8Array): DecodeOutput {
    const dir = frame.direction;
    const before = this.pending[dir];
    // mqtt.js sends an empty message for an empty string (a PUBLISH that names its topic by alias only)
    if (bytes.length === 0) return { decoded: before ? partial(frame, before) : null };
    if (before?.total !== undefined && before.size + bytes.length < before.total && !frame.truncated) {
      // still short of a whole packet: no need to join the pieces yet
      before.chunks.push(bytes);
      before.size += bytes.length;
      return { decoded: partial(frame, before) };
    }
    const data = before ? join([...before.chunks, bytes], before.size + bytes.length) : bytes;
    this.pending[dir] = undefined;

    const packets: Packet[] = [];
    const errors: string[] = [];
    let at = 0;
    let tail: Pending | undefined;
    while (at < data.length) {
      const header = fixedHeader(data, at);
      if (header === 'bad' || data[at] >> 4 === 0) {
        errors.push(header === 'bad' ? 'not an MQTT packet: bad remaining length' : 'not an MQTT packet: type 0 is reserved');
        break;
      }
      if (header === 'more' || at + header.size > data.length) {
        const startSeq = at === 0 && before ? before.seq : frame.seq;
        tail = { chunks: [data.slice(at)], size: data.length - at, total: header === 'more' ? undefined : header.size, seq: startSeq };
        break;
      }
      const ctx: Context = { level: this.level, aliases: this.aliases[dir] };
      const packet = readPacket(data, at, header.body, at + header.size, ctx);
      this.level = ctx.level;
      packets.push(packet);
      if (packet.error) errors.push(packet.error);
      at += header.size;
    }

    // the rest of a preview was not captured: what is pending there can never complete
    this.pending[dir] = frame.truncated ? undefined : tail;
    if (frame.truncated) errors.unshift(tail ? `${TRUNCATED} (${describeTail(tail)})` : TRUNCATED);
    if (packets.length === 0) {
      const decoded: Decoded = tail ? partial(frame, tail) : { protocol: 'mqtt', summary: 'MQTT (unreadable)', fields: {}, search: '' };
      if (errors.length) decoded.error = errors.join('; ');
      return { decoded };
    }

    const related: Related[] = [];
    if (before && before.seq !== frame.seq) related.push({ seq: before.seq, label: 'packet start' });
    const updates = new Map<number, Decoded>();
    let rtt: number | undefined;
    let awaits = false;
    for (const packet of packets) {
      const answered = this.pair(packet, frame, updates, related);
      if (answered !== undefined) {
        rtt ??= answered;
        if (TIMED.has(packet.type)) packet.summary += ` · ${formatMs(answered)}`;
      }
      awaits ||= this.expect(packet, frame);
    }

    const more = packets.length > 1 ? ` (+${packets.length - 1} more)` : '';
    const fields: Record<string, unknown> = packets.length === 1 ? { ...packets[0].fields } : { packets: packets.map((p) => p.fields) };
    if (tail) fields.nextPacket = describeTail(tail);
    const decoded: Decoded = {
      protocol: 'mqtt',
      summary: packets[0].summary + more,
      fields,
      search: packets.flatMap((p) => p.search).join(' '),
    };
    if (related.length) decoded.related = related;
    if (rtt !== undefined) decoded.rtt = rtt;
    if (errors.length) decoded.error = errors.join('; ');
    if (packets.every((p) => p.type === 'PINGREQ' || p.type === 'PINGRESP')) decoded.heartbeat = true;
    if (awaits) this.backlinks.keep(frame.seq, decoded);
    const out: DecodeOutput = { decoded };
    if (updates.size) out.updates = [...updates].map(([seq, d]) => ({ seq, decoded: d }));
    return out;
  }

  private key(from: string, type: PacketType, id = 0): string {
    return `${from} ${type} ${id}`;
  }

  /** remember a packet that expects an answer from the other side */
  private expect(packet: Packet, frame: FrameInput): boolean {
    const answer = packet.type === 'PUBLISH' ? (packet.qos === 1 ? 'PUBACK' : packet.qos === 2 ? 'PUBREC' : undefined) : ANSWERS[packet.type];
    if (!answer || packet.error) return false;
    const other = frame.direction === 'sent' ? 'received' : 'sent';
    remember(this.waiting, this.key(other, answer, packet.packetId), { seq: frame.seq, mono: frame.mono, type: packet.type });
    return true;
  }

  /** link an answer to its request: returns the round-trip time */
  private pair(packet: Packet, frame: FrameInput, updates: Map<number, Decoded>, related: Related[]): number | undefined {
    const key = this.key(frame.direction, packet.type, packet.packetId);
    const request = this.waiting.get(key);
    if (!request) return undefined;
    this.waiting.delete(key);
    related.push({ seq: request.seq, label: request.type });
    this.backlinks.link(request.seq, { seq: frame.seq, label: packet.type }, updates);
    return frame.mono - request.mono;
  }
}

function join(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function describeTail(p: Pending): string {
  const type = TYPES[p.chunks[0][0] >> 4];
  return p.total === undefined ? `partial packet, ${p.size} B (${type})` : `partial packet, ${p.size} of ${p.total} B (${type})`;
}

function partial(frame: FrameInput, p: Pending): Decoded {
  const type = TYPES[p.chunks[0][0] >> 4];
  const summary = describeTail(p);
  const decoded: Decoded = {
    protocol: 'mqtt',
    summary,
    fields: { partial: true, type, received: p.size, ...(p.total !== undefined ? { size: p.total } : {}) },
    search: type,
  };
  if (p.seq !== frame.seq) decoded.related = [{ seq: p.seq, label: 'packet start' }];
  return decoded;
}

/** a binary CONNECT: 0x10, a remaining length, then the protocol name MQTT (3.1.1, 5.0) or MQIsdp (3.1) */
function isConnect(frame: FrameInput): boolean {
  const b = frame.bytes;
  if (!b || b[0] !== 0x10) return false;
  const header = fixedHeader(b, 0);
  if (typeof header === 'string') return false;
  const at = header.body;
  const name = (n: string) => b[at] === 0 && b[at + 1] === n.length && lenient.decode(b.subarray(at + 2, at + 2 + n.length)) === n;
  return name('MQTT') || name('MQIsdp');
}

export const mqtt: Protocol = {
  id: 'mqtt',
  label: 'MQTT',
  byHandshake: (_url, subprotocol) => subprotocol === 'mqtt' || subprotocol === 'mqttv3.1',
  byContent: isConnect,
  create: () => new MqttDecoder(),
};
