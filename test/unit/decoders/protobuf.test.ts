/**
 * The Protocol Buffers decoders on what protobufjs's real encoder puts on the wire: a ws client and server on
 * 127.0.0.1 speak the chat protocol of test/fixtures/protobuf/*.proto (wrapper messages with a oneof, nested
 * messages, packed and unpacked repeated fields, maps, enums, 64-bit integers, bytes, a well-known type), recorded
 * through the proxy. protobufjs's own reading (its generated decode and toObject, which Node allows) is the
 * reference the panel's schema decoder must match; the panel's decoder itself runs with code generation forbidden,
 * as an extension page's CSP forbids it.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor';
import { decodeRaw, protobufRaw } from '../../../panel/decoders/protobuf';
import { decodeTyped, schemaProtocol } from '../../../panel/decoders/protobufSchema';
import type { FrameInput } from '../../../panel/decoders/types';
import { compileSchema, loadProtobufLib, type ProtobufLib, type Schema, type SchemaFile } from '../../../panel/store/protobufSchemas';
import { bytesToBase64 } from '../../../panel/lib/base64';
import { startRecorder, until, type Recorder, type RecordedSocket } from '../lib/recorder';
import { replayInOrder } from '../lib/replay';

const dir = fileURLToPath(new URL('../../fixtures/protobuf/', import.meta.url));
export const protoFiles: SchemaFile[] = ['chat.proto', 'common.proto'].map((name) => ({ name, proto: readFileSync(dir + name, 'utf8') }));

/** protobufjs loading the same files from disk its own way: the encoder and the reference reading */
const ref = new protobuf.Root();
ref.resolvePath = (_origin, target) => (target.startsWith('google/') || target.startsWith('/') ? target : dir + target);
ref.loadSync(dir + 'chat.proto', { keepCase: true });
ref.resolveAll();
const ClientMessage = ref.lookupType('lens.chat.ClientMessage');
const ServerMessage = ref.lookupType('lens.chat.ServerMessage');
const TO_OBJECT = { enums: String, longs: String, bytes: String, defaults: false, oneofs: true };

/** Run `fn` with `Function` (protobufjs's code generator) throwing, as it throws in an MV3 extension page. */
function withoutEval<T>(fn: () => T): T {
  const real = globalThis.Function;
  const refuse = () => {
    throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source");
  };
  globalThis.Function = new Proxy(real, { apply: refuse, construct: refuse });
  try {
    return fn();
  } finally {
    globalThis.Function = real;
  }
}

const user = (id: string, name: string, presence: number) => ({ id, display_name: name, presence });
const CLIENT: Record<string, unknown>[] = [
  { request_id: 1, join: { room: 'lobby', user: user('u1', 'Ann', 1) } },
  { request_id: 2, say: { room: 'lobby', text: 'hello @bob', mentions: ['bob', 'carol'], attachment: Uint8Array.from([0, 1, 2, 250, 255]) } },
  { request_id: 3, ping: { nonce: '18446744073709551615' } },
];
const SERVER: Record<string, unknown>[] = [
  {
    joined: {
      room: 'lobby',
      members: [user('u1', 'Ann', 1), user('u2', 'Bob', 2)],
      unread: { general: 3, random: 0 },
      pinned: { 7: { room: 'lobby', text: 'welcome' } },
    },
  },
  {
    line: {
      id: '-9007199254740993',
      from: user('u2', 'Bob', 2),
      text: 'hi Ann ✓',
      kind: 1,
      at: { seconds: 1700000000, nanos: 5000 },
      reactions: [1, 300, -2],
      deltas: [-1, 64],
      big: '12345678901234567890',
      offset: -42,
      drift: -7,
      score: 1.5,
      ratio: 0.1,
      edited: false,
      digest: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]),
    },
  },
  { pong: { nonce: '18446744073709551615', server_ms: 12 } },
  { failure: { code: 404, reason: 'no such room' } },
];

let server: http.Server;
let rec: Recorder;
let chat: RecordedSocket;
let lib: ProtobufLib;
let schema: Schema;

beforeAll(async () => {
  server = http.createServer();
  const wss = new WebSocketServer({ server });
  // the server answers each client message, as a chat server would: join → joined + a line, ping → pong, …
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const m = ClientMessage.toObject(ClientMessage.decode(data as Buffer), { oneofs: true }) as { body: string };
      const reply = (o: Record<string, unknown>) => ws.send(ServerMessage.encode(ServerMessage.fromObject(o)).finish());
      if (m.body === 'join') {
        reply(SERVER[0]);
        reply(SERVER[1]);
      } else if (m.body === 'ping') reply(SERVER[2]);
      else reply(SERVER[3]);
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec = await startRecorder(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const ws = new WebSocket(`${rec.url}/chat`);
  await new Promise((r) => ws.once('open', r));
  for (const m of CLIENT) ws.send(ClientMessage.encode(ClientMessage.fromObject(m)).finish());
  chat = rec.sockets[0];
  await until(() => chat.frames.length === 3 + 4);
  ws.close();

  lib = await loadProtobufLib();
  const compiled = withoutEval(() => compileSchema(lib, protoFiles));
  if (!compiled.ok) throw new Error(compiled.error);
  schema = compiled.schema;
});

afterAll(async () => {
  await rec.close();
  await new Promise((r) => server.close(r));
});

const sent = () => chat.frames.filter((f) => f.direction === 'sent');
const received = () => chat.frames.filter((f) => f.direction === 'received');
/** protobufjs's reading of a frame, as the panel should show it */
const reference = (f: FrameInput) => (f.direction === 'sent' ? ClientMessage : ServerMessage).toObject((f.direction === 'sent' ? ClientMessage : ServerMessage).decode(f.bytes!), TO_OBJECT);

describe('Protocol Buffers without a schema', () => {
  it('is never detected by itself', () => {
    for (const f of chat.frames) expect(protobufRaw.byContent(f)).toBe(false);
    expect(protobufRaw.byHandshake(chat.url, '')).toBe(false);
  });

  it('reads every recorded frame whole, with field numbers and wire types as protoc --decode_raw does', () => {
    const { views } = replayInOrder(protobufRaw, chat.frames);
    for (const f of chat.frames) expect(views.get(f.seq)?.error).toBeUndefined();
    const [join, say, ping] = sent().map((f) => views.get(f.seq)!);
    // ClientMessage { request_id = 1; join = 2 { room = 1; user = 2 { id = 1; display_name = 2; presence = 3 } } }
    expect(join.fields).toEqual({
      '1 varint': '1 (sint -1, bool true)',
      '2 message': { '1 string': 'lobby', '2 message': { '1 string': 'u1', '2 string': 'Ann', '3 varint': '1 (sint -1, bool true)' } },
    });
    expect(join.summary).toBe('#1 1 · #2 {…}');
    // repeated strings occur as the same field again; bytes that are neither text nor a message are hex
    expect(say.fields['3 message']).toEqual({
      '1 string': 'lobby',
      '2 string': 'hello @bob',
      '3 string': ['bob', 'carol'],
      '4 bytes': '00 01 02 fa ff',
    });
    // fixed64 with its signed and double readings
    expect((ping.fields['4 message'] as Record<string, unknown>)['1 fixed64']).toBe('18446744073709551615 (sfixed64 -1, double NaN)');
  });

  it('shows varints as zigzag and 64-bit, fixed32 as float, and guesses packed varints', () => {
    const line = received().map((f) => decodeRaw(f)!)[1];
    const l = line.fields['2 message'] as Record<string, unknown>;
    // int64 -9007199254740993 is a 10-byte varint
    expect(l['1 varint']).toBe('18437736874454810623 (int64 -9007199254740993, sint -9218868437227405312)');
    expect(l['4 varint']).toBe('1 (sint -1, bool true)');
    // packed int32 [1, 300, -2]: -2 is ten bytes as an int32 varint
    expect(l['6 bytes']).toEqual({ hex: '01 ac 02 fe ff ff ff ff ff ff ff ff 01', 'as packed varints': [1, 300, '18446744073709551614'] });
    // unpacked sint64 [-1, 64] occurs twice, zigzag 1 and 128
    expect(l['7 varint']).toEqual(['1 (sint -1, bool true)', '128 (sint 64)']);
    expect(l['11 fixed32']).toBe('1069547520 (float 1.5)');
    expect(l['12 fixed64']).toBe('4591870180066957722 (double 0.1)');
    // the Timestamp: a nested message
    expect(l['5 message']).toEqual({ '1 varint': '1700000000 (sint 850000000)', '2 varint': '5000 (sint 2500)' });
  });

  it('says where a frame stops parsing, and keeps what parsed before', () => {
    const bytes = sent()[1].bytes!;
    const cut = decodeRaw({ ...sent()[1], bytes: bytes.subarray(0, 10) })!;
    expect(cut.fields['1 varint']).toBe('2 (sint 1)');
    expect(cut.error).toBe(`at byte 3: ${bytes[3]} bytes of field 3, but only 6 are left (after 1 field)`);
    expect(cut.summary).toBe('#1 2 · error at byte 3');

    const wire7 = decodeRaw({ ...sent()[0], bytes: Uint8Array.from([0x08, 0x01, 0x0f]) })!;
    expect(wire7.error).toBe('at byte 2: a field tag, but 15 has wire type 7 (protobuf has 0-5) (after 1 field)');
    const field0 = decodeRaw({ ...sent()[0], bytes: Uint8Array.from([0x00]) })!;
    expect(field0.error).toBe('at byte 0: a field tag, but field number 0 is not allowed');
    expect(field0.summary).toBe('not protobuf');
    const endless = decodeRaw({ ...sent()[0], bytes: Uint8Array.from([0x08, 0xff, 0xff]) })!;
    expect(endless.error).toBe('at byte 1: a varint for field 1, but the frame ends inside it');
  });

  it('reads a group, and a text frame that is base64', () => {
    // field 1 group { field 2 varint 5 } then field 3 varint 1
    const g = decodeRaw({ ...sent()[0], bytes: Uint8Array.from([0x0b, 0x10, 0x05, 0x0c, 0x18, 0x01]) })!;
    expect(g.fields).toEqual({ '1 group': { '2 varint': '5 (sint -3)' }, '3 varint': '1 (sint -1, bool true)' });
    const b64 = decodeRaw({ seq: 0, direction: 'received', mono: 0, text: bytesToBase64(sent()[0].bytes!), truncated: false })!;
    expect(b64.fields.encoding).toBe('base64 text');
    expect(b64.fields['2 message']).toBeDefined();
    expect(decodeRaw({ seq: 0, direction: 'received', mono: 0, text: 'hello there', truncated: false })).toBeNull();
  });
});

describe('Protocol Buffers with a schema', () => {
  it('loads the .proto files (an import between them, a well-known type) without generating code', () => {
    expect(schema.types).toContain('lens.chat.ClientMessage');
    expect(schema.types).toContain('lens.common.User');
    // the user's types first, the bundled well-known ones last
    expect(schema.types.at(-1)).toBe('google.protobuf.Timestamp');
    expect(schema.details['chat.proto']).toBe('package lens.chat, 9 message types');
  });

  it('reads every frame exactly as protobufjs toObject shows it (enums and longs as strings, bytes base64, oneof case)', () => {
    const types = { sent: schema.root.lookupType('lens.chat.ClientMessage'), received: schema.root.lookupType('lens.chat.ServerMessage') };
    const { views } = withoutEval(() => replayInOrder(schemaProtocol(types), chat.frames));
    for (const f of chat.frames) {
      const v = views.get(f.seq)!;
      expect(v.error).toBeUndefined();
      expect(v.fields).toEqual(reference(f));
    }
    const line = views.get(received()[1].seq)!;
    expect(line.fields).toMatchObject({
      event: 'line',
      line: { id: '-9007199254740993', kind: 'TEXT', big: '12345678901234567890', offset: '-42', deltas: ['-1', '64'], digest: '3q2+7w==', edited: false },
    });
    expect(line.summary).toBe('ServerMessage line: id="-9007199254740993" from={…} text="hi Ann ✓" …');
    expect(views.get(sent()[0].seq)!.summary).toBe('ClientMessage join: room="lobby" user={…}');
    expect(views.get(received()[0].seq)!.fields).toMatchObject({ joined: { unread: { general: 3, random: 0 }, pinned: { 7: { room: 'lobby', text: 'welcome' } } } });
    // the server answers join, say and ping with joined + line, failure, pong
    expect(views.get(received()[2].seq)!.search).toContain('no such room');
    expect(views.get(received()[3].seq)!.summary).toBe('ServerMessage pong: nonce="18446744073709551615" server_ms=12');
  });

  it('a direction with no type chosen is read raw', () => {
    const { views } = replayInOrder(schemaProtocol({ received: schema.root.lookupType('lens.chat.ServerMessage') }), chat.frames);
    const first = views.get(sent()[0].seq)!;
    expect(first.protocol).toBe('protobuf-schema');
    expect(first.fields['1 varint']).toBeDefined();
  });

  it('a frame that does not fit its type says where, and falls back to the raw view', () => {
    // a ServerMessage read as a ClientMessage: field 1 (request_id, a varint) arrives length-delimited
    const wrong = withoutEval(() => replayInOrder(schemaProtocol({ received: schema.root.lookupType('lens.chat.ClientMessage') }), received()).views);
    const joined = wrong.get(received()[0].seq)!;
    expect(joined.error).toBe('Not a lens.chat.ClientMessage: at byte 0: varint for request_id (uint32), but found wire type 2 (length-delimited) (in request_id); shown raw');
    expect(joined.fields['1 message']).toBeDefined();
    expect(joined.summary).toMatch(/^not a ClientMessage · #1 \{…\}/);
    // cut short inside a nested message: what was read comes with it, and the path to the fault
    const line = received()[1];
    const cut = decodeTyped(schema.root.lookupType('lens.chat.ServerMessage'), line.bytes!.subarray(0, 30));
    expect(cut.error?.message).toMatch(/^at byte 1: \d+ bytes of line \(ChatLine\), but only 28 are left$/);
    expect(cut.error?.path).toBe('line');
  });

  it('a map entry cut short inside is reported with its path and offset, not thrown', () => {
    // ServerMessage { joined (1) { unread (3): entry { field 5: a varint that never ends } } }
    const bytes = Uint8Array.from([0x0a, 0x04, 0x1a, 0x02, 0x28, 0x96]);
    const { value, error } = decodeTyped(schema.root.lookupType('lens.chat.ServerMessage'), bytes);
    expect(error?.path).toBe('joined.unread');
    expect(error?.message).toMatch(/^at byte 6: index out of range/);
    expect(value).toEqual({});
  });

  it('keeps fields the type does not know, read raw', () => {
    const bytes = new Uint8Array([...sent()[2].bytes!, 0x98, 0x06, 0x2a]); // field 99 varint 42
    const { value, error } = decodeTyped(schema.root.lookupType('lens.chat.ClientMessage'), bytes);
    expect(error).toBeUndefined();
    expect(value['[unknown fields]']).toEqual({ '99 varint': '42 (sint 21)' });
  });

  it('a descriptor set built by protobufjs from the same files reads every frame the same', () => {
    // protoc is not installed here: protobufjs writes the FileDescriptorSet, in the test, so it cannot go stale
    const set = descriptor.FileDescriptorSet.encode(ref.toDescriptor('proto3')).finish();
    const compiled = withoutEval(() => compileSchema(lib, [{ name: 'chat.binpb', descriptor: bytesToBase64(set) }]));
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.schema.types).toEqual(expect.arrayContaining(['lens.chat.ClientMessage', 'lens.chat.ServerMessage', 'lens.common.User', 'google.protobuf.Timestamp']));
    expect(compiled.schema.details['chat.binpb']).toBe('lens_chat.proto, lens_common.proto, google_protobuf.proto');
    const types = { sent: compiled.schema.root.lookupType('lens.chat.ClientMessage'), received: compiled.schema.root.lookupType('lens.chat.ServerMessage') };
    const { views } = withoutEval(() => replayInOrder(schemaProtocol(types), chat.frames));
    for (const f of chat.frames) expect(views.get(f.seq)!.fields).toEqual(reference(f));
  });

  it('a .proto that does not parse names the file and the line; a missing import is named', () => {
    const bad = compileSchema(lib, [{ name: 'bad.proto', proto: 'syntax = "proto3";\n\nmessage A {\n  int32 x = 1\n}\n' }]);
    expect(bad).toEqual({ ok: false, error: "bad.proto, line 5: illegal token '}', ';' expected" });
    const lonely = compileSchema(lib, [protoFiles[0]]);
    expect(lonely).toEqual({ ok: false, error: 'chat.proto imports "common.proto", which is not loaded: load it too' });
    const notSet = compileSchema(lib, [{ name: 'x.pb', descriptor: bytesToBase64(Uint8Array.from([0x0a, 0x05, 0x01])) }]);
    expect(notSet).toEqual({ ok: false, error: 'x.pb is not a descriptor set (FileDescriptorSet): at byte 1: 5 bytes of file (FileDescriptorProto), but only 1 are left' });
  });
});

describe('the e2e page', () => {
  it("test/e2e/pages/protobuf.html carries protobufjs's encoding of the objects it names", () => {
    const page = readFileSync(fileURLToPath(new URL('../../e2e/pages/protobuf.html', import.meta.url)), 'utf8');
    const hex = (key: string) => new RegExp(`${key}: '([0-9a-f]+)'`).exec(page)![1];
    const enc = (type: protobuf.Type, o: Record<string, unknown>) => Buffer.from(type.encode(type.fromObject(o)).finish()).toString('hex');
    expect(hex('join')).toBe(enc(ClientMessage, { request_id: 1, join: { room: 'lobby', user: user('u1', 'Ann', 1) } }));
    expect(hex('failure')).toBe(enc(ServerMessage, SERVER[3]));
  });
});
