/**
 * Asks before a destructive action (ending a session, changing a role, disabling a user). A modal
 * `<dialog>` run as an alert dialog: the page behind it is inert, Tab and Shift+Tab stay inside it,
 * Escape cancels, Cancel holds the focus when it opens (the safe choice for a stray Enter), and Enter or
 * Space on the confirm button confirms. Screen readers hear the title and the sentence saying what will
 * happen. When it closes, the focus goes back to what opened it.
 *
 *   const { confirm, dialog } = useConfirm();
 *   if (await confirm({ title: 'End this session?', message: '…', confirmLabel: 'End session' })) …
 *   return <>{…}{dialog}</>;
 */
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface ConfirmRequest {
  /** A question naming the action and its object: "Disable Sam Student?". */
  title: string;
  /** What will happen, for people: what stops, who is affected, whether it can be undone. */
  message: ReactNode;
  /** The confirming button, a verb: "End session", "Disable". */
  confirmLabel: string;
  /** Red confirm button (default); false for actions that destroy nothing. */
  danger?: boolean;
}

interface Pending {
  request: ConfirmRequest;
  settle: (confirmed: boolean) => void;
}

/** One dialog per page: `confirm` opens it and resolves true (confirmed) or false (cancelled). */
export function useConfirm(): { confirm: (request: ConfirmRequest) => Promise<boolean>; dialog: ReactNode } {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback(
    (request: ConfirmRequest) =>
      new Promise<boolean>((resolve) => {
        setPending({
          request,
          settle: (confirmed) => {
            setPending(null);
            resolve(confirmed);
          },
        });
      }),
    [],
  );
  const dialog = pending ? <ConfirmDialog request={pending.request} onSettle={pending.settle} /> : null;
  return { confirm, dialog };
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function ConfirmDialog({ request, onSettle }: { request: ConfirmRequest; onSettle: (confirmed: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const settled = useRef(false);
  const titleId = useId();
  const messageId = useId();

  const settle = useCallback(
    (confirmed: boolean) => {
      if (settled.current) return;
      settled.current = true;
      onSettle(confirmed);
    },
    [onSettle],
  );

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  /** Tab from the last button goes to the first and Shift+Tab from the first to the last: never out to the browser. */
  function trapTab(e: KeyboardEvent<HTMLDialogElement>) {
    if (e.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ref.current.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !ref.current.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      onKeyDown={trapTab}
      // Escape: the browser's cancel event. Kept in React's hands, then answered as Cancel.
      onCancel={(e) => {
        e.preventDefault();
        settle(false);
      }}
      // Closed some other way (a form method=dialog, the browser): Cancel. Not while open again (StrictMode re-runs effects).
      onClose={() => {
        if (!ref.current?.open) settle(false);
      }}
    >
      <h2 id={titleId}>{request.title}</h2>
      <div id={messageId} className="confirm-message">
        {request.message}
      </div>
      <div className="confirm-actions">
        <button ref={cancelRef} type="button" className="btn" onClick={() => settle(false)}>
          Cancel
        </button>
        <button type="button" className={request.danger === false ? 'btn btn-primary' : 'btn btn-danger-solid'} onClick={() => settle(true)}>
          {request.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
