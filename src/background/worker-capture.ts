/**
 * What the router needs of worker capture, whichever browser's it is: Chromium's debugger (workers.ts) or Firefox's
 * filtered worker scripts (workers-firefox.ts). Each worker is a document of the tab under a frame id below zero.
 */
import type { PanelToPage } from '../shared/protocol';

export interface WorkerCapture {
  /** a panel opened on the tab with worker capture on, or the panel's Workers switch was turned on */
  start(tabId: number): void | Promise<void>;
  /** the tab's panel went away, or (`tell`: say so to the panel) its Workers switch was turned off */
  stop(tabId: number, tell?: boolean): void;
  /** a panel opened with worker capture switched off */
  idle(tabId: number): void;
  /**
   * whether capture is on for a panel that never chose: Firefox's costs the user nothing visible; Chromium's pauses
   * each new worker, and the user's DevTools shows its Sources panel when one does (measured), so it waits for a yes
   */
  defaultOn: boolean;
  /** frame ids that name workers (browser frames are 0 and up) */
  isWorkerFrame(frameId: number): boolean;
  /** a panel message for a worker's document; false if that worker is not (or no longer) captured */
  deliver(tabId: number, frameId: number, message: PanelToPage): boolean;
  /**
   * A message from a frame's content bridge that may be one of its workers' (Firefox: the workers' traffic comes
   * through their frame's bridge); true if it was, and is dealt with. `bridgeOrigin` is the browser's word for the
   * frame's origin, `bridgeDocId` the frame's own document.
   */
  fromBridge?(tabId: number, bridgeFrameId: number, bridgeOrigin: string, bridgeDocId: string, msg: unknown): boolean;
  /** Firefox: the SharedWorker and service worker channels a bridge of this origin listens on (told at its start) */
  channelsOf?(origin: string): Promise<{ shared: string[]; service: string[] }>;
  /**
   * Chromium: the tab's top frame has a new document. The panel forgets every other document then (without
   * "preserve log"), but a service worker outlives a reload: it is introduced again (Firefox's are by their bridges)
   */
  newTopDocument?(tabId: number): void;
  /** a frame's bridge went away (navigation, removal, or the panel closed): its document's workers are gone too */
  bridgeGone?(tabId: number, bridgeFrameId: number, bridgeDocId: string): void;
}
