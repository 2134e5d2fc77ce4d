/** Messages over the log: errors the user must see (a refused send, a bad file) and confirmations. */
export interface Notice {
  id: number;
  level: 'error' | 'info';
  text: string;
}

/** The newest few stay; older ones go rather than pile up over the log. */
const NOTICES_KEPT = 5;

export function withNotice(list: readonly Notice[], notice: Notice): Notice[] {
  return [...list.slice(-(NOTICES_KEPT - 1)), notice];
}

export function withoutNotice(list: readonly Notice[], id: number): Notice[] {
  return list.filter((n) => n.id !== id);
}

/** The hook never lets its own errors reach the page; it reports them, and the user should know capture went on. */
export function hookFaultText(fault: { count: number; message: string }): string {
  return `The page hook caught ${fault.count === 1 ? 'an error' : `${fault.count} errors`} of its own (last: ${fault.message}); the page did not see it and capture goes on.`;
}
