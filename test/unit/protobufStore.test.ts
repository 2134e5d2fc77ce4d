/**
 * Protocol Buffers in the panel store: "decode as" raw and with a schema, loading .proto files, choosing a message
 * type per direction, what is kept for the origin (and read back after a reload, by socket URL), and the error
 * paths: a schema that does not parse or resolve keeps the one in use; the library failing to load says so.
 * The frames are protobufjs's own encoding of the test fixtures' chat protocol.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { Store } from '../../panel/store/store';
import { socketUrlKey, type StoredProtobuf } from '../../panel/store/protobuf';
import { bytesToBase64 } from '../../panel/lib/base64';
import { loadProtobufReader, protobufReaderReady, READER_LOADING } from '../../panel/decoders/protobuf';
import { events, fromFrame, hello } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

const dir = fileURLToPath(new URL('../fixtures/protobuf/', import.meta.url));
const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(dir + name)) });
const FILES = [file('chat.proto'), file('common.proto')];

const ref = new protobuf.Root();
ref.resolvePath = (_o, target) => (target.startsWith('google/') || target.startsWith('/') ? target : dir + target);
ref.loadSync(dir + 'chat.proto', { keepCase: true });
const encode = (type: string, o: Record<string, unknown>) => {
  const t = ref.lookupType(type);
  return t.encode(t.fromObject(o)).finish();
};
const JOIN = encode('lens.chat.ClientMessage', { request_id: 1, join: { room: 'lobby', user: { id: 'u1', display_name: 'Ann', presence: 1 } } });
const FAILURE = encode('lens.chat.ServerMessage', { failure: { code: 404, reason: 'no such room' } });

type Ev = Parameters<typeof events>[1][number];
const binary = (direction: 'sent' | 'received', bytes: Uint8Array): Ev => ({
  kind: 'message',
  direction,
  payload: { type: 'binary', data: bytesToBase64(bytes), size: bytes.length, truncated: false },
});
const URL_1 = 'ws://127.0.0.1:8000/chat?token=first';
const ORIGIN = 'http://127.0.0.1:8000';

function setup(url = URL_1, loadLib?: ConstructorParameters<typeof Store>[2]) {
  const store = new Store(new FakeTransport(), {}, loadLib);
  store.receive(fromFrame(hello('d', `${ORIGIN}/`)));
  store.receive(fromFrame(events('d', [{ kind: 'created', url, protocols: [], stack: '' }, { kind: 'open', protocol: '', extensions: '' }, binary('sent', JOIN), binary('received', FAILURE)])));
  return store;
}
const messages = (store: Store, key = 'd#1') => store.log.frames.filter((f) => f.payload && f.socketKey === key);

describe('Protocol Buffers in the store', () => {
  it('is not detected: a socket of protobuf frames stays undecided until "decode as" says raw protobuf', async () => {
    const store = setup();
    expect(store.socket('d#1')!.decoder).toEqual({ id: 'none', how: 'undecided' });
    // the reader is not part of the panel's start: the first choice loads it, and the frames are read again then
    expect(protobufReaderReady()).toBe(false);
    store.setDecoder('d#1', 'protobuf');
    expect(messages(store)[0].decoded).toMatchObject({ protocol: 'protobuf', summary: 'loading the protobuf reader…', error: READER_LOADING });
    await loadProtobufReader();
    await new Promise((r) => setTimeout(r));
    const [join, failure] = messages(store);
    expect(join.decoded).toMatchObject({ protocol: 'protobuf', summary: '#1 1 · #2 {…}' });
    expect(failure.decoded?.fields).toEqual({ '4 message': { '1 varint': '404 (sint 202)', '2 string': 'no such room' } });
  });

  it('loads .proto files, opens the schema pane for the socket, and reads each direction as the type chosen', async () => {
    const store = setup();
    expect(await store.loadProtobufFiles(FILES)).toBeUndefined();
    expect(store.protobuf.files.map((f) => [f.name, f.kind])).toEqual([
      ['chat.proto', 'proto'],
      ['common.proto', 'proto'],
    ]);
    expect(store.protobuf.types).toContain('lens.chat.ServerMessage');
    store.setDecoder('d#1', 'protobuf-schema');
    expect(store.protobuf.paneRequests).toBe(1);
    expect(store.selection.primary).toBe('d#1');
    // no type chosen yet: read raw, under the schema's name
    expect(messages(store)[0].decoded).toMatchObject({ protocol: 'protobuf-schema', summary: '#1 1 · #2 {…}' });

    store.setProtobufType('d#1', 'sent', 'lens.chat.ClientMessage');
    expect(messages(store)[0].decoded?.summary).toBe('ClientMessage join: room="lobby" user={…}');
    expect(messages(store)[1].decoded?.summary).toBe('#4 {…}');
    store.setProtobufType('d#1', 'received', 'lens.chat.ServerMessage');
    expect(messages(store)[1].decoded).toMatchObject({ summary: 'ServerMessage failure: code=404 reason="no such room"', fields: { event: 'failure', failure: { code: 404, reason: 'no such room' } } });
    // the filter finds frames by their decoded fields
    store.setFilter({ text: 'display_name' });
    expect(store.counts().shown).toBe(1);
    // back to raw for one direction
    store.setProtobufType('d#1', 'sent', undefined);
    expect(messages(store)[0].decoded?.summary).toBe('#1 1 · #2 {…}');
  });

  it('keeps the schema and the types per socket URL, and a reload’s socket (another query) is read with them on sight', async () => {
    const first = setup();
    await first.loadProtobufFiles(FILES);
    first.setDecoder('d#1', 'protobuf-schema');
    first.setProtobufType('d#1', 'sent', 'lens.chat.ClientMessage');
    first.setProtobufType('d#1', 'received', 'lens.chat.ServerMessage');
    expect(first.protobufOrigin).toBe(undefined);
    // as main.tsx keeps it: JSON in storage.local under protobuf:<origin>
    const stored = JSON.parse(JSON.stringify(first.protobufStored())) as StoredProtobuf;
    expect(stored.version).toBe(1);
    expect(stored.files.map((f) => f.name)).toEqual(['chat.proto', 'common.proto']);
    expect(stored.files[0].proto).toContain('message ClientMessage');
    expect(stored.sockets).toEqual({ 'ws://127.0.0.1:8000/chat': { on: true, sent: 'lens.chat.ClientMessage', received: 'lens.chat.ServerMessage' } });

    // the reload: the socket comes before the stored schema is read back, and another after
    const second = setup('ws://127.0.0.1:8000/chat?token=second');
    expect(second.rulesOrigin).toBe(ORIGIN);
    await second.restoreProtobuf(ORIGIN, stored);
    expect(second.protobufOrigin).toBe(ORIGIN);
    expect(second.socket('d#1')!.decoder).toEqual({ id: 'protobuf-schema', how: 'manual' });
    expect(messages(second).map((f) => f.decoded?.summary)).toEqual(['ClientMessage join: room="lobby" user={…}', 'ServerMessage failure: code=404 reason="no such room"']);
    second.receive(
      fromFrame(events('d', [{ kind: 'created', url: 'ws://127.0.0.1:8000/chat?token=third', protocols: [], stack: '', sid: 2 }, { ...binary('received', FAILURE), sid: 2 }], 10)),
    );
    expect(messages(second, 'd#2')[0].decoded?.summary).toBe('ServerMessage failure: code=404 reason="no such room"');
    // another endpoint of the origin is left alone
    second.receive(fromFrame(events('d', [{ kind: 'created', url: 'ws://127.0.0.1:8000/other', protocols: [], stack: '', sid: 3 }, { ...binary('received', FAILURE), sid: 3 }], 20)));
    expect(second.socket('d#3')!.decoder.how).toBe('undecided');
  });

  it('choosing another decoder for the socket stops reading its URL with the schema on sight, and keeps its types', async () => {
    const store = setup();
    await store.loadProtobufFiles(FILES);
    store.setDecoder('d#1', 'protobuf-schema');
    store.setProtobufType('d#1', 'sent', 'lens.chat.ClientMessage');
    store.setDecoder('d#1', 'none');
    expect(store.protobufStored().sockets[socketUrlKey(URL_1)]).toEqual({ on: false, sent: 'lens.chat.ClientMessage' });
    store.setDecoder('d#1', 'protobuf-schema');
    expect(messages(store)[0].decoded?.summary).toMatch(/^ClientMessage join/);
  });

  it('a .proto that does not parse, or whose import is missing, says so and keeps the schema in use', async () => {
    const store = setup();
    await store.loadProtobufFiles(FILES);
    store.setDecoder('d#1', 'protobuf-schema');
    store.setProtobufType('d#1', 'sent', 'lens.chat.ClientMessage');
    const types = store.protobuf.types;

    const bad = { name: 'broken.proto', bytes: new TextEncoder().encode('syntax = "proto3";\nmessage Broken {\n  int32 x = 1\n}\n') };
    expect(await store.loadProtobufFiles([bad])).toBe("broken.proto, line 4: illegal token '}', ';' expected");
    expect(store.protobuf.error).toBe("broken.proto, line 4: illegal token '}', ';' expected");
    expect(store.protobuf.files.map((f) => f.name)).toEqual(['chat.proto', 'common.proto']);
    expect(store.protobuf.types).toEqual(types);
    expect(messages(store)[0].decoded?.summary).toMatch(/^ClientMessage join/);

    // chat.proto imports common.proto: it cannot go alone
    expect(await store.removeProtobufFile('common.proto')).toBe('chat.proto imports "common.proto", which is not loaded: load it too');
    expect(store.protobuf.files).toHaveLength(2);
    // a good load clears the error
    expect(await store.loadProtobufFiles([file('common.proto')])).toBeUndefined();
    expect(store.protobuf.error).toBeUndefined();
  });

  it('a type the schema no longer has reads raw; stored files that no longer compile are listed with the error', async () => {
    const store = setup();
    const stored: StoredProtobuf = {
      version: 1,
      files: [{ name: 'chat.proto', proto: readFileSync(dir + 'chat.proto', 'utf8') }],
      sockets: { 'ws://127.0.0.1:8000/chat': { on: true, sent: 'lens.chat.Gone' } },
    };
    await store.restoreProtobuf(ORIGIN, stored);
    expect(store.protobuf.error).toBe('chat.proto imports "common.proto", which is not loaded: load it too');
    expect(store.protobuf.files.map((f) => f.name)).toEqual(['chat.proto']);
    expect(messages(store)[0].decoded).toMatchObject({ protocol: 'protobuf-schema', summary: '#1 1 · #2 {…}' });
  });

  it('a descriptor set loads like .proto files', async () => {
    const descriptor = (await import('protobufjs/ext/descriptor')).default;
    const set = descriptor.FileDescriptorSet.encode(ref.toDescriptor('proto3')).finish();
    const store = setup();
    expect(await store.loadProtobufFiles([{ name: 'chat.binpb', bytes: set }])).toBeUndefined();
    expect(store.protobuf.files).toEqual([{ name: 'chat.binpb', kind: 'descriptor', size: set.length, detail: 'lens_chat.proto, lens_common.proto, google_protobuf.proto' }]);
    expect(store.protobufStored().files[0].descriptor).toBe(bytesToBase64(set));
    store.setDecoder('d#1', 'protobuf-schema');
    store.setProtobufType('d#1', 'received', 'lens.chat.ServerMessage');
    expect(messages(store)[1].decoded?.summary).toBe('ServerMessage failure: code=404 reason="no such room"');
  });

  it('the protobuf library failing to load says so, and nothing else breaks', async () => {
    const store = setup(URL_1, () => Promise.reject(new Error('Failed to fetch dynamically imported module')));
    expect(await store.loadProtobufFiles(FILES)).toBe('Could not load protobufjs: Failed to fetch dynamically imported module');
    expect(store.protobuf).toMatchObject({ loading: false, files: [], error: 'Could not load protobufjs: Failed to fetch dynamically imported module' });
    store.setDecoder('d#1', 'protobuf-schema');
    expect(messages(store)[0].decoded?.protocol).toBe('protobuf-schema');
  });

  it('a load the page navigated away from (another origin) is dropped', async () => {
    const store = setup();
    const loading = store.loadProtobufFiles(FILES);
    void store.restoreProtobuf('https://elsewhere.example', undefined);
    expect(await loading).toBe('The page moved to another origin: nothing was loaded.');
    expect(store.protobuf.files).toEqual([]);
  });
});
