// @vitest-environment happy-dom
/**
 * The Export test… dialog in a DOM with the real store: its testids, focus and keyboard, what it refuses, and what
 * the file it saves holds.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render } from '@testing-library/preact';
import { FileActions } from '../../panel/components/FileActions';
import { PanelContext } from '../../panel/components/hooks/usePanel';
import { Store } from '../../panel/store/store';
import type { ExportChoices } from '../../panel/lib/captureScript';
import { events, fromFrame, hello, socketLife } from './fixtures';
import { FakeTransport } from './lib/fakeTransport';

const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

async function mount() {
  const store = new Store(new FakeTransport());
  const view = render(
    <PanelContext.Provider value={store}>
      <FileActions />
    </PanelContext.Provider>,
  );
  await act(async () => {
    store.receive(fromFrame(hello('d', 'http://127.0.0.1:5000/app.html')));
    store.receive(fromFrame(events('d', socketLife())));
    await frame();
  });
  return { store, view };
}

afterEach(async () => {
  await act(() => cleanup());
  vi.restoreAllMocks();
});

describe('Export test…', () => {
  it('opens a labelled dialog with its first control focused, and Escape closes it back to the button', async () => {
    const { view } = await mount();
    const button = view.getByTestId('export-script');
    expect(button.getAttribute('aria-haspopup')).toBe('dialog');
    await act(async () => {
      fireEvent.click(button);
      await frame();
    });
    const dialog = view.getByTestId('export-dialog');
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(view.getByRole('dialog', { name: 'Export the capture as a test' })).toBe(dialog);
    expect(document.activeElement).toBe(view.getByTestId('export-target'));
    for (const id of ['export-target', 'export-scope', 'export-match', 'export-ignore', 'export-timing', 'export-unmatched']) {
      const el = view.getByTestId(id);
      // every control has a label a screen reader reads
      expect(document.querySelector(`label[for=${el.id}]`), id).not.toBeNull();
    }
    expect(view.getByTestId('export-summary').textContent).toBe('1 socket, 2 frames');
    // marked frames: none marked, so it cannot be chosen
    expect((view.getByTestId('export-scope').querySelector('option[value=marked]') as HTMLOptionElement).disabled).toBe(true);
    // Tab stays inside the dialog: from its last button to its first control, and back with Shift+Tab
    view.getByTestId('export-save').focus();
    fireEvent.keyDown(view.getByTestId('export-save'), { key: 'Tab' });
    expect(document.activeElement).toBe(view.getByTestId('export-target'));
    fireEvent.keyDown(view.getByTestId('export-target'), { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(view.getByTestId('export-save'));
    await act(async () => {
      fireEvent.keyDown(view.getByTestId('export-timing'), { key: 'Escape' });
      await frame();
    });
    expect(view.queryByTestId('export-dialog')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('refuses an ignore list it cannot read, and says why', async () => {
    const { view } = await mount();
    await act(async () => {
      fireEvent.click(view.getByTestId('export-script'));
      await frame();
    });
    await act(async () => {
      fireEvent.input(view.getByTestId('export-ignore'), { target: { value: 'id, $.' } });
      await frame();
    });
    expect(view.getByTestId('export-error').textContent).toMatch(/"\$\." is neither a key/);
    expect((view.getByTestId('export-save') as HTMLButtonElement).disabled).toBe(true);
    // exact text needs no ignore list
    await act(async () => {
      fireEvent.change(view.getByTestId('export-match'), { target: { value: 'text' } });
      await frame();
    });
    expect(view.queryByTestId('export-ignore')).toBeNull();
    expect((view.getByTestId('export-save') as HTMLButtonElement).disabled).toBe(false);
  });

  it('exports what the dialog says: a mock server, fast, passing unmatched frames through', async () => {
    const { store, view } = await mount();
    const exported: ExportChoices[] = [];
    const real = store.exportScript.bind(store);
    const files: { name: string; text: string }[] = [];
    vi.spyOn(store, 'exportScript').mockImplementation(async (c) => {
      exported.push(c);
      const f = await real(c);
      files.push(f);
      return f;
    });
    // the browser's download is no business of this test
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:x');
    await act(async () => {
      fireEvent.click(view.getByTestId('export-script'));
      await frame();
    });
    for (const [id, value] of [
      ['export-target', 'mock-server'],
      ['export-scope', 'all'],
      ['export-timing', 'fast'],
      ['export-unmatched', 'pass'],
    ])
      fireEvent.change(view.getByTestId(id), { target: { value } });
    await act(async () => {
      fireEvent.input(view.getByTestId('export-ignore'), { target: { value: 'hello' } });
      await frame();
    });
    expect(view.getByTestId('export-save').textContent).toBe('Save .mjs');
    await act(async () => {
      fireEvent.click(view.getByTestId('export-save'));
      await frame();
      await frame();
    });
    expect(exported).toEqual([{ target: 'mock-server', scope: 'all', match: 'json', ignore: ['hello'], timing: 'fast', unmatched: 'pass' }]);
    expect(files[0].name).toMatch(/^ws-lens-127\.0\.0\.1_5000-.*-mock-server\.mjs$/);
    expect(files[0].text).toContain('const TIMING = args.includes(\'--fast\') ? \'fast\' : "fast";');
    expect(files[0].text).toContain(`text: '{"hello":1}'`);
    expect(view.queryByTestId('export-dialog')).toBeNull();
  });
});
