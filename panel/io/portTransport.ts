/**
 * The panel's only link to the world: one runtime port to the background, reconnected whenever it drops (the
 * MV3 service worker is stopped after ~30 s idle, and every port with it). On reconnect the store asks each
 * document it knows to resume after its last seq, so nothing is lost and nothing is doubled.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { PORT_PANEL, envelope, isBackgroundToPanel, type PageCommand } from '../../src/shared/protocol';
import type { Store } from '../store/store';
import { IngestQueue } from './ingestQueue';
import type { Transport } from '../store/pageClient';

export class PortTransport implements Transport {
  private port: Runtime.Port | undefined;
  private store: Store | undefined;
  private retry = 0;
  /** batches are applied in slices (see IngestQueue); one queue across reconnects keeps their order */
  queue: IngestQueue | undefined;

  constructor(private tabId: number) {}

  start(store: Store): void {
    this.store = store;
    this.queue = new IngestQueue(store);
    this.connect();
  }

  command(frameId: number, docId: string, cmd: PageCommand): void {
    const message = envelope({ type: 'command' as const, docId, ...cmd });
    this.port?.postMessage(envelope({ type: 'to-frame' as const, frameId, message }));
  }

  captureWorkers(on: boolean): void {
    this.port?.postMessage(envelope({ type: 'capture-workers' as const, on }));
  }

  private connect(): void {
    const store = this.store!;
    const port = browser.runtime.connect({ name: PORT_PANEL });
    this.port = port;
    port.onMessage.addListener((msg: unknown) => {
      if (isBackgroundToPanel(msg)) this.queue!.push(msg);
    });
    port.onDisconnect.addListener(() => {
      if (this.port !== port) return;
      this.port = undefined;
      store.setConnection('disconnected');
      // back off a little if the background keeps failing, but stay snappy for the common restart
      setTimeout(() => this.connect(), Math.min(2000, 50 * 2 ** this.retry++));
    });
    port.postMessage(envelope({ type: 'panel-hello' as const, tabId: this.tabId, captureWorkers: store.settings.captureWorkers }));
    this.retry = 0;
    store.setConnection('connected');
  }
}
