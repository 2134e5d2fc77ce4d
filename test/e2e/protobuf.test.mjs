// Protocol Buffers in the real panel: raw (as protoc --decode_raw), then with .proto files loaded in the panel and a
// message type per direction, kept per origin across a reload. It is also the real-browser check of the panel's CSP:
// protobufjs's own decoders need eval, which extension pages forbid, so a schema that decodes here is decoded by WS
// Lens's own walk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { waitFor } from './lib/sessions.mjs';
import { scenario } from './lib/suite.mjs';

const fixture = (name) => fs.readFileSync(new URL(`../fixtures/protobuf/${name}`, import.meta.url), 'utf8');
const SOCKET = '/echo?app=protobuf';

scenario('Protocol Buffers: raw, then a .proto schema per direction, kept across a reload', async (s, panel, { origin }) => {
  await s.goto(`${origin}/protobuf.html`);
  await s.openPanel();
  await s.waitForPage(`() => window.__results.echoed === 2`);
  const summaries = async () => (await panel.shownFrames()).filter((r) => r.dir !== 'event').map((r) => `${r.dir} ${r.summary}`);

  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame][data-direction=received]')].length === 2`);
  // raw: field numbers and wire types
  await panel.decodeAs(SOCKET, 'protobuf');
  await panel.waitFor(`(w) => [...w.document.querySelectorAll('[data-testid=frame-summary]')].some((e) => e.textContent === '#1 1 · #2 {…}')`);

  // with the schema: two files, one importing the other, a type per direction
  await panel.decodeAs(SOCKET, 'protobuf-schema');
  await panel.waitFor((w) => !!w.document.querySelector('[data-testid=proto-load]'));
  await panel.loadProtoFiles([
    ['chat.proto', fixture('chat.proto')],
    ['common.proto', fixture('common.proto')],
  ]);
  await panel.waitFor((w) => (w.document.querySelector('[data-testid=proto-files]')?.textContent || '').includes('package lens.chat, 9 message types'));
  await panel.type('proto-type-sent', 'lens.chat.ClientMessage', 'change');
  await panel.type('proto-type-received', 'lens.chat.ServerMessage', 'change');
  // each direction read as its own type; a frame of the other type says it does not fit and is shown raw
  const want = [
    'sent ClientMessage join: room="lobby" user={…}',
    'sent not a ClientMessage · #4 {…}',
    'received not a ServerMessage · #1 1 · #2 {…}',
    'received ServerMessage failure: code=404 reason="no such room"',
  ];
  let shown = [];
  await waitFor(
    async () => {
      shown = await summaries();
      return want.every((w) => shown.includes(w));
    },
    { message: 'each direction decoded with its type' },
  ).catch((e) => {
    throw new Error(`${e.message}\nshown: ${JSON.stringify(shown)}`);
  });
  assert.deepEqual([...shown].sort(), [...want].sort());

  // a file that does not parse: a clear message, and the schema loaded before still decodes
  await panel.loadProtoFiles([['bad.proto', 'syntax = "proto3";\nmessage {\n']]);
  await panel.waitFor((w) => /bad\.proto, line 2: illegal type name '\{'/.test(w.document.querySelector('[data-testid=proto-error]')?.textContent || ''));
  assert.ok((await summaries()).includes('received ServerMessage failure: code=404 reason="no such room"'));

  // the same page again: its socket (same URL) is decoded with the schema kept for this origin
  await s.goto(`${origin}/protobuf.html`);
  await s.waitForPage(`() => window.__results.echoed === 2`);
  await waitFor(async () => (await summaries()).includes('received ServerMessage failure: code=404 reason="no such room"'), { message: 'the kept schema after a reload' });
});
