/**
 * The background's side of a Chromium worker hook's link (src/page/link.ts `bindingLink`), shared by dedicated and
 * service workers (workers.ts) and SharedWorkers (sharedWorkers.ts): what a binding call may say, and how the panel's
 * messages reach the hook's receiver.
 */
import { isPageToPanel, isWorkerLinkOpen, type PageToPanel, type PanelToPage } from '../shared/protocol';

/**
 * One binding call of a worker whose document is `docId` (undefined until it said so). Checked as a bridge's messages
 * are: the first word is `link-open` with its document id; after that only messages for that document pass, and a
 * worker never introduces a document (`hello` is the background's to write).
 */
export function readWorkerCall(payload: string, docId: string | undefined): { opened?: string; message?: PageToPanel } {
  let msg: unknown;
  try {
    msg = JSON.parse(payload);
  } catch {
    return {};
  }
  if (docId === undefined) return isWorkerLinkOpen(msg) ? { opened: msg.docId } : {};
  return isPageToPanel(msg) && msg.type !== 'hello' && msg.docId === docId ? { message: msg } : {};
}

/** A panel message to the hook's receiver (an object id in the worker), as JSON text it parses with its own natives. */
export function toWorkerHook(call: (method: string, params: object) => Promise<unknown>, receiver: string | undefined, message: PanelToPage): Promise<unknown> {
  return call('Runtime.callFunctionOn', {
    objectId: receiver,
    functionDeclaration: 'function (json) { this(json); }',
    arguments: [{ value: JSON.stringify(message) }],
    silent: true,
  }).catch(() => {});
}

/** A worker script's origin; `null` for an opaque one (a data: worker). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}
