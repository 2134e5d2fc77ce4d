import { useEffect, useRef } from 'preact/hooks';
import { SHORTCUTS } from './keys';

/** The `?` overlay: every shortcut, by where it acts. A modal dialog: Esc or `?` closes it, focus comes back. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  const body = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    close.current?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        class="dialog shortcuts"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts"
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          } else if (e.key === 'Tab') {
            // two stops, the list and Close: the focus stays in the dialog
            e.preventDefault();
            (document.activeElement === close.current ? body.current : close.current)?.focus();
          }
        }}
      >
        <div class="shortcuts-head">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <span class="spacer" />
          <button ref={close} data-testid="shortcuts-close" onClick={onClose}>
            Close
          </button>
        </div>
        {/* focusable, so the keyboard scrolls it */}
        <div class="shortcuts-body" ref={body} tabIndex={0} role="region" aria-label="Shortcuts">
          {SHORTCUTS.map((g) => (
            <section class="shortcut-group">
              <h3>{g.title}</h3>
              <dl>
                {g.shortcuts.map((s) => (
                  <>
                    <dt>
                      {s.keys.map((k, i) => (
                        <>
                          {i > 0 && ' '}
                          <kbd>{k}</kbd>
                        </>
                      ))}
                    </dt>
                    <dd>{s.what}</dd>
                  </>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
