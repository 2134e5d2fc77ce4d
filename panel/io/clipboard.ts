/**
 * DevTools panels are iframes without the clipboard-write permission policy, so navigator.clipboard is refused
 * there; the old execCommand path through a hidden textarea still works in both browsers.
 */
export function copyText(text: string): boolean {
  // selecting the textarea takes the focus: give it back, so the keyboard stays where it was (the JSON tree's item)
  const had = document.activeElement as HTMLElement | null;
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  had?.focus?.();
  return ok;
}
