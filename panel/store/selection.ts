/**
 * What the user picked: the sockets whose rows are shown (none picked: all), the socket the composer acts on, and
 * the row the detail shows. Each function returns a new selection and leaves the old one as it was, so a view can
 * tell a change by identity.
 */
import type { Socket } from './model';

export interface Selection {
  /** the sockets whose rows are in view; empty means every socket */
  readonly sockets: ReadonlySet<string>;
  /** the socket the composer, close and replay act on */
  readonly primary: string | undefined;
  /** the row the detail shows */
  readonly rowId: number | undefined;
}

export const NO_SELECTION: Selection = { sockets: new Set(), primary: undefined, rowId: undefined };

/** A click picks one socket; Ctrl/Cmd-click adds or removes one. Either way it becomes the one the composer uses. */
export function pickSocket(sel: Selection, key: string, mode: 'only' | 'toggle'): Selection {
  let sockets: Set<string>;
  if (mode === 'toggle') {
    sockets = new Set(sel.sockets);
    if (sockets.has(key)) sockets.delete(key);
    else sockets.add(key);
  } else sockets = new Set([key]);
  return { ...sel, sockets, primary: key };
}

/** Show every socket's rows again; the composer keeps its socket. */
export function pickAllSockets(sel: Selection): Selection {
  return sel.sockets.size ? { ...sel, sockets: new Set() } : sel;
}

export function pickRow(sel: Selection, rowId: number | undefined): Selection {
  return sel.rowId === rowId ? sel : { ...sel, rowId };
}

/** Only the given sockets, all of them picked: what an import shows. */
export function pickOnly(keys: string[]): Selection {
  return { sockets: new Set(keys), primary: keys[0], rowId: undefined };
}

export function showsSocket(sel: Selection, key: string): boolean {
  return sel.sockets.size === 0 || sel.sockets.has(key);
}

/** After a clear: the row is gone, and so are sockets the log no longer has. */
export function afterClear(sel: Selection, has: (key: string) => boolean): Selection {
  const sockets = new Set([...sel.sockets].filter(has));
  return { sockets, primary: sel.primary && has(sel.primary) ? sel.primary : undefined, rowId: undefined };
}

/** Until the user picks one, the composer follows the newest socket still open (or else the newest). */
export function newestSocket(order: readonly string[], sockets: ReadonlyMap<string, Socket>): string | undefined {
  for (let i = order.length - 1; i >= 0; i--) {
    const s = sockets.get(order[i]);
    if (s && s.state !== 'closed') return s.key;
  }
  return order.length ? order[order.length - 1] : undefined;
}
