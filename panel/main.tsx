/**
 * Panel entry: with ./io/, the only place that knows about the extension APIs. It builds the store, connects the
 * transport, persists settings and follows the DevTools theme; the components see the store only as a Panel.
 */
import { render } from 'preact';
import browser from 'webextension-polyfill';
import { App } from './components/App';
import type { SavedMessage } from './components/Composer';
import { PanelContext } from './components/hooks/usePanel';
import { PortTransport } from './io/portTransport';
import { Store, type Settings } from './store/store';
import type { RuleDraft } from './lib/rules';
import type { ProtobufView, StoredProtobuf } from './store/protobuf';
import type { SavedFilter } from './store/filter';
import { DEFAULT_HOLD_TIMEOUT_MS } from '../src/shared/protocol';

const SETTINGS_KEY = 'settings';
const HISTORY_KEY = 'composerHistory';
const SAVED_KEY = 'savedMessages';
/** traffic rules are kept per origin of the inspected page */
const rulesKey = (origin: string) => `rules:${origin}`;
/** so is the Protocol Buffers schema (its files' text or bytes, and the message types per socket URL) */
const protobufKey = (origin: string) => `protobuf:${origin}`;
/** and the filters the user named */
const filtersKey = (origin: string) => `filters:${origin}`;
interface StoredRules {
  drafts: readonly RuleDraft[];
  on: boolean;
  holdTimeoutMs: number;
}
/** an origin nobody wrote rules for */
const NO_RULES: StoredRules = { drafts: [], on: true, holdTimeoutMs: DEFAULT_HOLD_TIMEOUT_MS };

/** the part of Chrome's own devtools.panels API that webextension-polyfill leaves out */
interface ChromeThemeApi {
  devtools?: { panels?: { setThemeChangeHandler?: (handler: (themeName: string) => void) => void } };
}

async function main() {
  // DevTools' theme, and every switch of it: Firefox fires onThemeChanged; Chrome has no event, it calls the one
  // handler given to setThemeChangeHandler (Chrome 99+; webextension-polyfill does not wrap it)
  const applyTheme = (name: string) => {
    document.documentElement.dataset.theme = name === 'dark' ? 'dark' : 'light';
  };
  applyTheme(browser.devtools.panels.themeName);
  browser.devtools.panels.onThemeChanged?.addListener(applyTheme);
  (globalThis as { chrome?: ChromeThemeApi }).chrome?.devtools?.panels?.setThemeChangeHandler?.(applyTheme);

  const saved = ((await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY] ?? {}) as Partial<Settings>;
  const transport = new PortTransport(browser.devtools.inspectedWindow.tabId);
  const store = new Store(transport, saved);
  store.appVersion = browser.runtime.getManifest().version;

  // the filter, preserve-log and frame limit survive closing and reopening DevTools
  let last = JSON.stringify(store.settings);
  store.subscribe(() => {
    const now = JSON.stringify(store.settings);
    if (now === last) return;
    last = now;
    void browser.storage.local.set({ [SETTINGS_KEY]: store.settings });
  });

  // rules: load when the inspected origin becomes known or changes; save on every change
  let rulesOrigin: string | undefined;
  let lastRules = '';
  store.subscribe(() => {
    if (store.rulesOrigin !== rulesOrigin) {
      const origin = (rulesOrigin = store.rulesOrigin);
      if (!origin) return;
      void browser.storage.local.get(rulesKey(origin)).then((got) => {
        if (store.rulesOrigin !== origin) return;
        const r = got[rulesKey(origin)] as StoredRules | undefined;
        lastRules = JSON.stringify(r ?? NO_RULES);
        // rules loaded from storage for this origin go to the pages like any change
        store.setRules(r?.drafts ?? NO_RULES.drafts, { on: r?.on ?? NO_RULES.on, holdTimeoutMs: r?.holdTimeoutMs ?? NO_RULES.holdTimeoutMs });
      });
      return;
    }
    if (!rulesOrigin || !lastRules) return;
    const now: StoredRules = { drafts: store.ruleDrafts, on: store.rulesOn, holdTimeoutMs: store.holdTimeoutMs };
    const text = JSON.stringify(now);
    if (text === lastRules) return;
    lastRules = text;
    void browser.storage.local.set({ [rulesKey(rulesOrigin)]: now });
  });

  // the protobuf schema: restored when the inspected origin becomes known or changes; saved once restored, on change
  let protobufFor: string | undefined;
  let restored: string | undefined;
  let lastProtobuf: ProtobufView | undefined;
  store.subscribe(() => {
    const origin = store.rulesOrigin;
    if (origin !== protobufFor) {
      protobufFor = origin;
      restored = undefined;
      if (!origin) return void store.restoreProtobuf(undefined, undefined);
      void browser.storage.local.get(protobufKey(origin)).then(async (got) => {
        if (protobufFor !== origin) return;
        await store.restoreProtobuf(origin, got[protobufKey(origin)] as StoredProtobuf | undefined);
        if (protobufFor !== origin) return;
        restored = origin;
        lastProtobuf = store.protobuf;
      });
      return;
    }
    const view = store.protobuf;
    if (!restored || view === lastProtobuf || view.loading || store.protobufOrigin !== restored) return;
    lastProtobuf = view;
    void browser.storage.local.set({ [protobufKey(restored)]: store.protobufStored() });
  });

  // saved filters: restored when the inspected origin becomes known or changes; saved once restored, on change
  let filtersFor: string | undefined;
  let filtersRestored: string | undefined;
  let lastFilters: readonly SavedFilter[] | undefined;
  store.subscribe(() => {
    const origin = store.rulesOrigin;
    if (origin !== filtersFor) {
      filtersFor = origin;
      filtersRestored = undefined;
      if (!origin) return;
      void browser.storage.local.get(filtersKey(origin)).then((got) => {
        if (filtersFor !== origin) return;
        const list = got[filtersKey(origin)];
        filtersRestored = origin;
        store.restoreSavedFilters(Array.isArray(list) ? (list as SavedFilter[]) : []);
        lastFilters = store.savedFilters;
      });
      return;
    }
    if (!filtersRestored || store.savedFilters === lastFilters) return;
    lastFilters = store.savedFilters;
    void browser.storage.local.set({ [filtersKey(filtersRestored)]: store.savedFilters });
  });

  const persistence = {
    loadHistory: async () => ((await browser.storage.local.get(HISTORY_KEY))[HISTORY_KEY] ?? []) as string[],
    saveHistory: (h: string[]) => void browser.storage.local.set({ [HISTORY_KEY]: h }),
    loadSaved: async () => ((await browser.storage.local.get(SAVED_KEY))[SAVED_KEY] ?? []) as SavedMessage[],
    saveSaved: (list: SavedMessage[]) => void browser.storage.local.set({ [SAVED_KEY]: list }),
  };

  render(
    <PanelContext.Provider value={store}>
      <App persistence={persistence} />
    </PanelContext.Provider>,
    document.getElementById('root')!,
  );
  transport.start(store);
  // for diagnostics and the benchmark (latency, ingest rate): the panel is an extension page, out of the page's reach
  (window as unknown as { __wsLens: unknown }).__wsLens = { store, ingest: transport.queue };
}

void main();
