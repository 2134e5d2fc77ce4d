/**
 * The filter's terms and the message types (issue 18): each term alone on a log of several sockets and protocols,
 * terms combined, the types the "what dominates" table groups by, and a type's term finding exactly its rows.
 */
import { describe, expect, it } from 'vitest';
import { Store } from '../../panel/store/store';
import { compileFilter, tokenize } from '../../panel/store/filter';
import { fromSummary, typeTerm } from '../../panel/store/messageType';
import { events, fromFrame, hello, text } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

const bin = (b64: string, size: number) => ({ type: 'binary' as const, data: b64, size, truncated: false });

/** three sockets: plain JSON chat, Socket.IO, and one that sends binary */
function setup() {
  const store = new Store(new FakeTransport());
  store.receive(fromFrame(hello('d')));
  store.receive(
    fromFrame(
      events('d', [
        { sid: 1, kind: 'created', url: 'ws://127.0.0.1/chat', protocols: [], stack: '' },
        { sid: 1, kind: 'open', protocol: '', extensions: '' },
        { sid: 1, kind: 'message', direction: 'sent', payload: text('{"type":"chat","user":{"name":"Ada"},"text":"hello"}') },
        { sid: 1, kind: 'message', direction: 'received', payload: text('{"type":"chat","user":{"name":"Bob"},"text":"hi there"}') },
        { sid: 1, kind: 'message', direction: 'received', payload: text('{"type":"presence","online":3}') },
        { sid: 1, kind: 'message', direction: 'received', payload: text('plain words here') },
        { sid: 2, kind: 'created', url: 'ws://127.0.0.1/socket.io/?EIO=4&transport=websocket', protocols: [], stack: '' },
        { sid: 2, kind: 'open', protocol: '', extensions: '' },
        { sid: 2, kind: 'message', direction: 'received', payload: text('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}') },
        { sid: 2, kind: 'message', direction: 'sent', payload: text('40') },
        { sid: 2, kind: 'message', direction: 'received', payload: text('40{"sid":"xyz"}') },
        { sid: 2, kind: 'message', direction: 'sent', payload: text('42["chat message","hello from io"]') },
        { sid: 2, kind: 'message', direction: 'received', payload: text('42["chat message","hello back"]') },
        { sid: 2, kind: 'message', direction: 'received', payload: text('42["typing",{"who":"Ada"}]') },
        { sid: 3, kind: 'created', url: 'ws://127.0.0.1/bin', protocols: [], stack: '' },
        { sid: 3, kind: 'open', protocol: '', extensions: '' },
        { sid: 3, kind: 'message', direction: 'received', payload: bin('AAECAw==', 4) },
        { sid: 3, kind: 'message', direction: 'received', payload: bin('A'.repeat(2000), 1500) },
      ]),
    ),
  );
  const shown = (q: string) => {
    store.setFilter({ text: q });
    return store.rowsInRange(0, store.counts().shown).map((f) => f!.preview);
  };
  return { store, shown };
}

describe('filter terms', () => {
  it('splits a query into terms, a phrase or a regex with spaces as one', () => {
    expect(tokenize('a  "b c" /d e/i type:"x y" -f $.a=1')).toEqual(['a', '"b c"', '/d e/i', 'type:"x y"', '-f', '$.a=1']);
    expect(tokenize('socket:/ch at/ size>1k')).toEqual(['socket:/ch at/', 'size>1k']);
  });

  it('words are all required; a phrase is one; -word excludes', () => {
    const { shown } = setup();
    expect(shown('hello Ada')).toEqual(['{"type":"chat","user":{"name":"Ada"},"text":"hello"}']);
    expect(shown('"words here"')).toEqual(['plain words here']);
    expect(shown('chat -Ada')).toEqual(expect.arrayContaining(['{"type":"chat","user":{"name":"Bob"},"text":"hi there"}']));
    expect(shown('chat -Ada')).not.toContain('{"type":"chat","user":{"name":"Ada"},"text":"hello"}');
  });

  it('a whole /regex/ is one regex, spaces and all (as the filter always was)', () => {
    const { shown } = setup();
    expect(shown('/words here$/')).toEqual(['plain words here']);
  });

  it('dir:, socket: (url, /regex/, #sid) and kind:', () => {
    const { shown } = setup();
    expect(shown('dir:sent socket:/chat')).toEqual(['{"type":"chat","user":{"name":"Ada"},"text":"hello"}']);
    expect(shown('socket:#3 kind:binary')).toHaveLength(2);
    expect(shown('socket:/\\/bin$/ dir:event')).toHaveLength(2);
    expect(shown('kind:binary -socket:bin')).toEqual([]);
  });

  it('a decoded field: event:typing finds the Socket.IO event; a URL is still text', () => {
    const { shown } = setup();
    expect(shown('event:typing')).toEqual(['42["typing",{"who":"Ada"}]']);
    expect(shown('event:chat')).toEqual(['42["chat message","hello from io"]', '42["chat message","hello back"]']);
    expect(shown('http://127.0.0.1/')).toEqual([]);
    expect(compileFilter('http://127.0.0.1/').error).toBeUndefined();
  });

  it('a JSON path, present or with a value (a string, a number, JSON)', () => {
    const { shown } = setup();
    expect(shown('$.user.name=Ada')).toEqual(['{"type":"chat","user":{"name":"Ada"},"text":"hello"}']);
    expect(shown('$.user.name="Bob"')).toEqual(['{"type":"chat","user":{"name":"Bob"},"text":"hi there"}']);
    expect(shown('$.online=3')).toEqual(['{"type":"presence","online":3}']);
    expect(shown('$.online')).toHaveLength(1);
    expect(shown('$.user={"name":"Ada"}')).toHaveLength(1);
    // a path with an error is an error; `$5` is just text
    expect(compileFilter('$.a..b').error).toMatch(/JSON path/);
    expect(compileFilter('$5').error).toBeUndefined();
  });

  it('size above, below, with units', () => {
    const { shown } = setup();
    expect(shown('size>1k')).toHaveLength(1);
    expect(shown('size<=4 kind:binary')).toEqual([expect.any(String)]);
    expect(shown('size>=1.4kb')).toHaveLength(1);
  });

  it('says what is wrong with a term', () => {
    const { store, shown } = setup();
    expect(shown('dir:sideways')).toEqual([]);
    expect(store.compiled.error).toMatch(/dir: is sent, received or event/);
    shown('socket:/(/');
    expect(store.compiled.error).toMatch(/Invalid regular expression/);
  });

  it('highlights every text term, not the others', () => {
    const re = compileFilter('hello dir:sent "big cat"').regex!;
    expect('say hello to the big cat'.match(re)).toEqual(['hello', 'big cat']);
  });
});

describe('message types', () => {
  it('groups by the decoded event, the JSON type field, or binary; per direction with bytes', () => {
    const { store } = setup();
    const stats = Object.fromEntries(store.typeStats().map((s) => [s.type, s]));
    expect(Object.keys(stats).sort()).toEqual(['binary', 'chat', 'connect /', 'event: chat message', 'event: typing', 'open', 'presence', 'text'].sort());
    expect(stats.chat).toMatchObject({ sentFrames: 1, receivedFrames: 1 });
    expect(stats['event: chat message']).toMatchObject({ sentFrames: 1, receivedFrames: 1, sentBytes: 34, receivedBytes: 31 });
    expect(stats.binary).toMatchObject({ sentFrames: 0, receivedFrames: 2, receivedBytes: 1504 });
  });

  it('follows the socket selection: one socket, or all', () => {
    const { store } = setup();
    store.selectSocket('d#3');
    expect(store.typeStats().map((s) => s.type)).toEqual(['binary']);
    store.selectAllSockets();
    expect(store.typeStats().length).toBeGreaterThan(1);
  });

  it("a type's term shows exactly that type's rows", () => {
    const { shown } = setup();
    expect(typeTerm('event: chat message')).toBe('type:"event: chat message"');
    expect(shown(typeTerm('event: chat message'))).toEqual(['42["chat message","hello from io"]', '42["chat message","hello back"]']);
    expect(shown('type:chat')).toHaveLength(2);
    expect(shown('type:binary')).toHaveLength(2);
  });

  it('reads a summary without what changes per message', () => {
    expect(fromSummary('subscribe #4a62e87e Countdown · 4 results · complete')).toBe('subscribe Countdown');
    expect(fromSummary('call sum #1 · result in 4 ms')).toBe('call sum');
    expect(fromSummary('PUBLISH chat/room1 · QoS 1 · #3 · 12 B')).toBe('PUBLISH chat/room1');
    expect(fromSummary('PUBACK #3 · 5 ms')).toBe('PUBACK');
    expect(fromSummary('invoke Echo("hello") #0 · completion in 2 ms')).toBe('invoke Echo');
    expect(fromSummary('subscribe ChatChannel room="lobby" · confirmed · 4 ms')).toBe('subscribe ChatChannel');
    expect(fromSummary('join room:lobby · ok · 3 ms')).toBe('join room:lobby');
    expect(fromSummary('CALL com.example.add #5 (2, 3) · RESULT in 3 ms')).toBe('CALL com.example.add');
    expect(fromSummary('event: chat message · ack 0')).toBe('event: chat message');
  });
});
