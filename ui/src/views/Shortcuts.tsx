// The keyboard shortcuts of docs/console.md §6, listed by `?` and closed by `Esc` or the close button.
import { Fragment, useEffect, useRef } from 'react';

const SHORTCUTS = [
  ['/', 'Focus the search box'],
  ['j / k', 'Move down or up in a list'],
  ['Enter', 'Open the selected session or graph node'],
  ['Esc', 'Close the node panel or this dialog'],
  ['↑ ↓ ← →', 'Move to the parent, child or sibling node in the graph'],
  ['g s / g w / g d', 'Go to Sessions, Workflows or Daemon'],
  ['?', 'Show or hide this list'],
] as const;

export function ShortcutsDialog(props: { onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => previous?.focus();
  }, []);
  return (
    <div className="overlay">
      <div
        ref={dialog}
        className="panel dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        tabIndex={-1}
        data-testid="shortcuts"
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl className="kv">
          {SHORTCUTS.map(([keys, what]) => (
            <Fragment key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </Fragment>
          ))}
        </dl>
        <button type="button" className="small-button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
