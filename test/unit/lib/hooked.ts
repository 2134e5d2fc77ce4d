/**
 * The page hook installed in a jsdom window of its own (see hook.test.ts), with the link to the bridge replaced by
 * the test: what it posts, as the panel would parse it, and a way to send it the panel's commands.
 */
import { JSDOM } from 'jsdom';
import { install } from '../../../src/page/install';
import type { HookGlobal } from '../../../src/page/dom';
import type { CaptureEvent, PageCommand, PageToPanel } from '../../../src/shared/protocol';

/** a fresh window with the hook installed, a panel-side view of what it posts, and a way to send it commands */
export function hooked() {
  const window = new JSDOM('', { url: 'http://127.0.0.1/' }).window as unknown as HookGlobal & typeof globalThis;
  const posted: PageToPanel[] = [];
  let receive: (data: unknown) => void = () => {};
  let docId = '';
  const faults: unknown[] = [];
  install(window, (id, onMessage, fault) => {
    docId = id;
    // as the window link does: what goes wrong in a command is the hook's fault, never the caller's exception
    receive = (data) => {
      try {
        onMessage(data);
      } catch (err) {
        fault(err);
      }
    };
    return (msg) => {
      if (msg.type === 'events' && msg.fault) faults.push(msg.fault);
      posted.push(structuredClone(msg));
    };
  });
  const command = (cmd: PageCommand, forDoc = docId) => receive({ source: 'ws-lens', v: 1, type: 'command', docId: forDoc, ...cmd });
  const events = (): CaptureEvent[] => posted.flatMap((m) => (m.type === 'events' ? (JSON.parse(m.json) as CaptureEvent[]) : []));
  const results = () => posted.filter((m) => m.type === 'result');
  return { window, command, events, results, faults, docId: () => docId };
}


