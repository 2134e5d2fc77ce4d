/** A fake transport for the panel store: it records the commands sent; tests answer them as the page would, through store.receive. */
import type { Transport } from '../../../panel/store/pageClient';
import type { PageCommand } from '../../../src/shared/protocol';

export class FakeTransport implements Transport {
  sent: { frameId: number; docId: string; cmd: PageCommand }[] = [];

  command(frameId: number, docId: string, cmd: PageCommand): void {
    this.sent.push({ frameId, docId, cmd });
  }

  /** the commands alone, in the order sent */
  get commands(): PageCommand[] {
    return this.sent.map((s) => s.cmd);
  }
}
