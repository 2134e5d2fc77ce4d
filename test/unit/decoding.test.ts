/**
 * The decoders wired into the panel store: detection from the handshake and from content, pairing across frames,
 * "decode as", the filter over decoded fields, and plain JSON decoded lazily. The decoders themselves are tested
 * on frames recorded from the real libraries in test/unit/decoders/.
 */
import { describe, expect, it } from 'vitest';
import { Store } from '../../panel/store/store';
import { decodedView } from '../../panel/store/decoding';
import { events, fromFrame, hello, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

type Ev = Parameters<typeof events>[1][number];
function storeWith(list: Ev[]) {
  const store = new Store(new FakeTransport());
  store.receive(fromFrame(hello('d')));
  store.receive(fromFrame(events('d', list)));
  return store;
}
const created = (url: string, protocols: string[] = []): Ev => ({ kind: 'created', url, protocols, stack: '' });
const open = (protocol = ''): Ev => ({ kind: 'open', protocol, extensions: '' });
const sent = (data: string): Ev => ({ kind: 'message', direction: 'sent', payload: text(data) });
const received = (data: string): Ev => ({ kind: 'message', direction: 'received', payload: text(data) });
const messages = (store: Store) => store.log.frames.filter((f) => f.payload);

describe('decoding in the store', () => {
  it('detects JSON-RPC from content and pairs a result with its call, with the round trip', () => {
    const store = storeWith([
      created('ws://h/rpc'),
      open(),
      sent('{"jsonrpc":"2.0","method":"sum","params":[1,2,3],"id":1}'),
      received('{"jsonrpc":"2.0","result":6,"id":1}'),
    ]);
    const sock = store.log.sockets.get('d#1')!;
    expect(sock.decoder).toEqual({ id: 'json-rpc', how: 'content' });
    const [call, result] = messages(store);
    expect(call.decoded?.summary).toMatch(/sum/);
    expect(result.decoded?.summary).toMatch(/sum/);
    expect(result.decoded?.related?.map((r) => r.seq)).toContain(call.seq);
    expect(result.decoded?.rtt).toBeGreaterThanOrEqual(0);
    // the call learned its answer
    expect(call.decoded?.related?.map((r) => r.seq)).toContain(result.seq);
  });

  it('a frame that trips a detection check costs nothing: the rest of its batch reaches the log', () => {
    // a page's JSON whose join_ref is an object with a broken toString: String() of it throws
    const store = storeWith([
      created('ws://h/x'),
      open(),
      received('{"topic":"a","event":"heartbeat","payload":{},"ref":null,"join_ref":{"toString":1}}'),
      received('after the odd one'),
    ]);
    expect(messages(store).map((f) => f.preview)).toEqual(['{"topic":"a","event":"heartbeat","payload":{},"ref":null,"join_ref":{"toString":1}}', 'after the odd one']);
  });

  it('hides every protocol\'s heartbeats on one switch, counts them, and shows them again', () => {
    const store = storeWith([
      created('ws://h/socket.io/?EIO=4&transport=websocket'),
      open(),
      received('0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}'),
      received('2'),
      sent('3'),
      sent('42["chat","hi"]'),
      { ...created('ws://h/stomp', ['v12.stomp']), sid: 2 },
      { ...open('v12.stomp'), sid: 2 },
      { ...received('\n'), sid: 2 },
      { ...sent('SEND\ndestination:/q\n\nhello\u0000'), sid: 2 },
    ]);
    store.selectAllSockets();
    // the table's preview shows an end-of-line as a space
    const shownTexts = () => store.rowsInRange(0, store.counts().shown).map((f) => f?.preview);
    expect(shownTexts()).toEqual(expect.arrayContaining(['2', '3', ' ']));
    expect(store.counts().hiddenBeats).toBe(0);
    store.setFilter({ hideHeartbeats: true });
    expect(shownTexts().filter((t) => t === '2' || t === '3' || t === ' ')).toEqual([]);
    expect(shownTexts()).toEqual(expect.arrayContaining(['42["chat","hi"]']));
    expect(store.counts().hiddenBeats).toBe(3);
    // a heartbeat arriving while the switch is on is counted, not shown
    store.receive(fromFrame(events('d', [received('2')], 10)));
    expect(store.counts().hiddenBeats).toBe(4);
    // the other filters still apply to what is counted: only the heartbeats the view would show
    store.setFilter({ direction: 'sent' });
    expect(store.counts().hiddenBeats).toBe(1);
    store.setFilter({ direction: 'all', hideHeartbeats: false });
    expect(store.counts().hiddenBeats).toBe(0);
    expect(shownTexts().filter((t) => t === '2')).toHaveLength(2);
  });

  it('detects from the handshake: Socket.IO by url, graphql-ws and STOMP by subprotocol', () => {
    const store = storeWith([
      created('ws://h/socket.io/?EIO=4&transport=websocket'),
      { ...created('ws://h/graphql', ['graphql-transport-ws']), sid: 2 },
      { ...open('graphql-transport-ws'), sid: 2 },
      { ...created('ws://h/stomp', ['v12.stomp']), sid: 3 },
      { ...open('v12.stomp'), sid: 3 },
    ]);
    const how = (sid: number) => store.log.sockets.get(`d#${sid}`)!.decoder;
    expect(how(1)).toEqual({ id: 'socketio', how: 'handshake' });
    expect(how(2)).toEqual({ id: 'graphql-ws', how: 'handshake' });
    expect(how(3)).toEqual({ id: 'stomp', how: 'handshake' });
  });

  it('detects SockJS, Phoenix and Action Cable from the handshake, SockJS from its open frame', () => {
    const store = storeWith([
      created('ws://h/stomp/123/abcdefgh/websocket'),
      { ...created('wss://x.supabase.co/realtime/v1/websocket?apikey=k&vsn=2.0.0'), sid: 2 },
      { ...created('ws://h/ws', ['actioncable-v1-json']), sid: 3 },
      { ...open('actioncable-v1-json'), sid: 3 },
      { ...created('ws://h/anything'), sid: 4 },
      { ...open(), sid: 4 },
      { ...received('o'), sid: 4 },
      { ...received('a["hello"]'), sid: 4 },
    ]);
    const how = (sid: number) => store.log.sockets.get(`d#${sid}`)!.decoder;
    expect(how(1)).toEqual({ id: 'sockjs', how: 'handshake' });
    expect(how(2)).toEqual({ id: 'phoenix', how: 'handshake' });
    expect(how(3)).toEqual({ id: 'actioncable', how: 'handshake' });
    expect(how(4)).toEqual({ id: 'sockjs', how: 'content' });
    expect(messages(store).map((f) => f.decoded?.summary)).toEqual(['open', 'a[1] "hello"']);
  });

  it('hands the socket’s url to its decoder: an EIO=3 attachment loses its packet type byte', () => {
    const bin = (bytes: number[]) => ({ type: 'binary' as const, data: btoa(String.fromCharCode(...bytes)), size: bytes.length, truncated: false });
    const store = storeWith([
      created('ws://h/socket.io/?EIO=3&transport=websocket'),
      open(),
      sent('451-["up",{"_placeholder":true,"num":0}]'),
      { kind: 'message', direction: 'sent', payload: bin([4, 1, 2]) },
    ]);
    const [ev, att] = messages(store);
    expect(att.decoded?.summary).toBe('attachment 1/1 · up');
    expect(ev.decoded?.fields.args).toEqual([{ attachment: 1, size: 2, hex: '01 02' }]);
  });

  it('decodes the frames that came before the protocol was recognised', () => {
    // a JSON-RPC notification is recognised; a keep-alive before it was not on its own
    const store = storeWith([created('ws://h/x'), open(), sent('ping'), received('{"jsonrpc":"2.0","method":"update","params":{"a":1}}')]);
    const [, note] = messages(store);
    expect(note.decoded?.protocol).toBe('json-rpc');
    expect(note.decoded?.summary).toMatch(/update/);
  });

  it('leaves a socket of plain frames undecided after a few, and decodes its JSON only when shown', () => {
    const list: Ev[] = [created('ws://h/plain'), open()];
    for (let i = 0; i < 12; i++) list.push(received(`{"type":"tick","n":${i}}`));
    // a JSON-RPC frame this late is not taken as the protocol: detection looks at the first frames only
    list.push(received('{"jsonrpc":"2.0","method":"late","params":[]}'));
    const store = storeWith(list);
    const sock = store.log.sockets.get('d#1')!;
    expect(sock.decoder).toEqual({ id: 'none', how: 'undecided' });
    const frames = messages(store);
    expect(frames.every((f) => f.decoded === undefined)).toBe(true);
    const view = decodedView(frames[0], sock);
    expect(view?.protocol).toBe('json');
    expect(view?.summary).toMatch(/tick/);
  });

  it('"decode as" switches a socket to a protocol, to raw, and back to automatic', () => {
    const list: Ev[] = [created('ws://h/plain'), open()];
    for (let i = 0; i < 10; i++) list.push(received(`x${i}`));
    list.push(sent('{"jsonrpc":"2.0","method":"sum","params":[1],"id":7}'), received('{"jsonrpc":"2.0","result":1,"id":7}'));
    const store = storeWith(list);
    const sock = store.log.sockets.get('d#1')!;
    expect(sock.decoder.how).toBe('undecided');
    store.setDecoder(sock.key, 'json-rpc');
    expect(sock.decoder).toEqual({ id: 'json-rpc', how: 'manual' });
    const result = messages(store).at(-1)!;
    expect(result.decoded?.rtt).toBeGreaterThanOrEqual(0);
    store.setDecoder(sock.key, 'none');
    expect(sock.decoder).toEqual({ id: 'none', how: 'manual' });
    expect(messages(store).every((f) => f.decoded === undefined)).toBe(true);
    // raw means raw: not even plain JSON
    expect(decodedView(result, sock)).toBeUndefined();
    store.setDecoder(sock.key, 'auto');
    expect(sock.decoder.how).toBe('undecided');
    // the manual choice holds for new frames
    store.setDecoder(sock.key, 'json');
    store.receive(fromFrame(events('d', [received('{"type":"later"}')], list.length)));
    expect(messages(store).at(-1)!.decoded?.protocol).toBe('json');
  });

  it('the filter matches decoded fields: a result row found by its method name, which its raw text lacks', () => {
    const store = storeWith([
      created('ws://h/rpc'),
      open(),
      sent('{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1}'),
      received('{"jsonrpc":"2.0","result":2,"id":1}'),
      received('unrelated'),
    ]);
    store.setFilter({ text: 'subtract' });
    const shown = store.rowsInRange(0, store.counts().shown).map((f) => f!);
    expect(shown.map((f) => f.preview)).toEqual(['{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1}', '{"jsonrpc":"2.0","result":2,"id":1}']);
  });

  it('forgets the decoders of sockets a clear removes', () => {
    const store = storeWith([created('ws://h/rpc'), open(), sent('{"jsonrpc":"2.0","method":"a","id":1}'), { kind: 'close', code: 1000, reason: '', wasClean: true }]);
    expect(store.log.decoding.has('d#1')).toBe(true);
    store.clear();
    expect(store.log.decoding.has('d#1')).toBe(false);
  });
});
