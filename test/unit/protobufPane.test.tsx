// @vitest-environment happy-dom
/**
 * The Protocol Buffers schema pane in the real panel, fed by a fake transport: "decode as" opens it, the file input
 * loads .proto files, the type selects change what the frame table's summaries say, and a bad file is shown in
 * proto-error with the schema before it still in use.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, waitFor } from '@testing-library/preact';
import protobuf from 'protobufjs';
import { App } from '../../panel/components/App';
import { PanelContext } from '../../panel/components/hooks/usePanel';
import { Store } from '../../panel/store/store';
import { bytesToBase64 } from '../../panel/lib/base64';
import { events, fromFrame, hello } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

for (const p of ['offsetHeight', 'clientHeight']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 400 });
for (const p of ['offsetWidth', 'clientWidth']) Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => 800 });
const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

// happy-dom's URL is not Node's: resolve the fixtures' folder from this file's path
const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/protobuf/');
const ref = new protobuf.Root();
ref.resolvePath = (_o, target) => (target.startsWith('google/') || target.startsWith('/') ? target : dir + target);
ref.loadSync(dir + 'chat.proto', { keepCase: true });
const Client = ref.lookupType('lens.chat.ClientMessage');
const JOIN = Client.encode(Client.fromObject({ request_id: 1, join: { room: 'lobby' } })).finish();
const protoFile = (name: string, text = readFileSync(dir + name, 'utf8')) => new File([text], name, { type: 'text/plain' });

async function mount() {
  const store = new Store(new FakeTransport());
  const view = render(
    <PanelContext.Provider value={store}>
      <App />
    </PanelContext.Provider>,
  );
  await act(async () => {
    store.receive(fromFrame(hello('d', 'http://127.0.0.1:8000/')));
    store.receive(
      fromFrame(
        events('d', [
          { kind: 'created', url: 'ws://127.0.0.1:8000/chat', protocols: [], stack: '' },
          { kind: 'open', protocol: '', extensions: '' },
          { kind: 'message', direction: 'sent', payload: { type: 'binary', data: bytesToBase64(JOIN), size: JOIN.length, truncated: false } },
        ]),
      ),
    );
    await frame();
  });
  return { store, view };
}

async function pick(input: HTMLElement, files: File[]) {
  await act(async () => {
    fireEvent.change(input, { target: { files } });
  });
}

afterEach(async () => {
  await act(() => cleanup());
});

describe('the Protocol Buffers schema pane', () => {
  it('"decode as" opens it; loaded files are listed; the type selects decide what the frames say', async () => {
    const { store, view } = await mount();
    const decodeAs = view.getByTestId('decode-as') as HTMLSelectElement;
    expect([...decodeAs.options].map((o) => o.textContent)).toEqual(expect.arrayContaining(['Protocol Buffers (raw)', 'Protocol Buffers (schema)…']));
    expect(view.queryByTestId('proto-pane')).toBeNull();
    await act(async () => {
      fireEvent.change(decodeAs, { target: { value: 'protobuf-schema' } });
      await frame();
    });
    expect(view.getByTestId('proto-pane')).toBeTruthy();
    // raw until a type is chosen (once the reader, loaded on this first use, is there)
    await waitFor(() => expect(view.getAllByTestId('frame-summary').at(-1)!.textContent).toBe('#1 1 · #2 {…}'));

    await pick(view.getByTestId('proto-load'), [protoFile('chat.proto'), protoFile('common.proto')]);
    await waitFor(() => expect(view.getAllByTestId('proto-file').map((li) => li.dataset.name)).toEqual(['chat.proto', 'common.proto']));
    expect(view.getByTestId('proto-files').textContent).toContain('package lens.chat, 9 message types');

    // every control has an accessible name
    const sent = view.getByLabelText('Sent frames (page → server)') as HTMLSelectElement;
    expect(sent).toBe(view.getByTestId('proto-type-sent'));
    expect(view.getByLabelText('Received frames (server → page)')).toBe(view.getByTestId('proto-type-received'));
    expect(view.getByLabelText(/Load \.proto files or a descriptor set/)).toBe(view.getByTestId('proto-load'));
    expect(view.getByLabelText('Remove chat.proto')).toBeTruthy();
    expect([...sent.options].map((o) => o.value)).toContain('lens.chat.ClientMessage');

    await act(async () => {
      fireEvent.change(sent, { target: { value: 'lens.chat.ClientMessage' } });
      await frame();
    });
    expect(view.getAllByTestId('frame-summary').at(-1)!.textContent).toBe('ClientMessage join: room="lobby"');
    expect(store.protobufStored().sockets).toEqual({ 'ws://127.0.0.1:8000/chat': { on: true, sent: 'lens.chat.ClientMessage' } });

    // the frame's detail shows the named fields and the oneof case
    await act(async () => {
      fireEvent.click(view.getAllByTestId('frame').at(-1)!);
      await frame();
    });
    expect(view.getByTestId('detail-decoded').dataset.protocol).toBe('protobuf-schema');
    expect(view.getByTestId('detail-decoded').textContent).toContain('"body": "join"');
  });

  it('a .proto that does not parse is shown in proto-error, and the schema before it stays', async () => {
    const { view } = await mount();
    await act(async () => {
      fireEvent.change(view.getByTestId('decode-as'), { target: { value: 'protobuf-schema' } });
      await frame();
    });
    await pick(view.getByTestId('proto-load'), [protoFile('chat.proto'), protoFile('common.proto')]);
    await waitFor(() => expect(view.getAllByTestId('proto-file')).toHaveLength(2));
    await pick(view.getByTestId('proto-load'), [protoFile('bad.proto', 'syntax = "proto3";\nmessage {\n')]);
    await waitFor(() => expect(view.getByTestId('proto-error').textContent).toBe("bad.proto, line 2: illegal type name '{' (the schema loaded before stays in use)"));
    expect(view.getAllByTestId('proto-file')).toHaveLength(2);
  });
});
