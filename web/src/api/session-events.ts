/**
 * What an API answer says about the signed-in session as a whole, whichever page asked: UNAUTHENTICATED
 * means the session is gone (signed out elsewhere, expired, or the account was disabled) and the app must
 * show the sign-in page; PASSWORD_CHANGE_REQUIRED means an admin reset the password and the app must ask
 * for a new one. The tRPC client reports them here; the AuthProvider listens.
 */
export type SessionEvent = 'signed-out' | 'password-change-required';

const EVENT_OF: Record<string, SessionEvent> = {
  UNAUTHENTICATED: 'signed-out',
  PASSWORD_CHANGE_REQUIRED: 'password-change-required',
};

/** The session event a tRPC answer body carries (one result, or a batch of them), if any. */
export function sessionEventOf(body: unknown): SessionEvent | null {
  for (const item of Array.isArray(body) ? body : [body]) {
    const appCode = (item as { error?: { data?: { appCode?: unknown } } } | null)?.error?.data?.appCode;
    if (typeof appCode === 'string' && appCode in EVENT_OF) return EVENT_OF[appCode];
  }
  return null;
}

const target = new EventTarget();

export function reportSessionEvent(event: SessionEvent): void {
  target.dispatchEvent(new Event(event));
}

/** Calls `handler` on every `event`; returns the unsubscribe function. */
export function onSessionEvent(event: SessionEvent, handler: () => void): () => void {
  target.addEventListener(event, handler);
  return () => target.removeEventListener(event, handler);
}
