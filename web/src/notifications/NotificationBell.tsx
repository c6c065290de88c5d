import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { trpc, useChange } from '../api/query';
import { api, type RouterOutputs } from '../api/trpc';
import { ErrorNote } from '../components/ErrorNote';
import { bellLabel, whenTold } from './notification-text';

type Item = RouterOutputs['notifications']['mine']['items'][number];

/** How often the bell asks for news; opening it asks at once. */
export const NOTIFICATIONS_POLL_MS = 10_000;

/**
 * The top bar's bell: the caller's unread count (notifications.mine, polled) and, when opened, their newest
 * notifications, each a link to what it is about. Following one marks it read; "Mark all read" marks the
 * rest. Escape or a click outside closes the list and gives the focus back to the bell.
 */
export function NotificationBell() {
  const mine = useQuery(trpc.notifications.mine.queryOptions({ limit: 20 }, { refetchInterval: NOTIFICATIONS_POLL_MS }));
  const [open, setOpen] = useState(false);
  const mark = useChange(() => void mine.refetch());
  const bell = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  const unread = mine.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      bell.current?.focus();
    };
    const onClick = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!panel.current?.contains(target) && !bell.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const follow = (item: Item) => {
    setOpen(false);
    if (!item.readAt) mark.mutate(() => api.notifications.markRead.mutate({ ids: [item.id] }));
  };

  return (
    <div className="bell-box">
      <button
        ref={bell}
        type="button"
        className="btn btn-ghost bell"
        aria-expanded={open}
        aria-controls="notifications-panel"
        aria-label={bellLabel(unread)}
        data-testid="notification-bell"
        onClick={() => {
          if (!open) void mine.refetch();
          setOpen(!open);
        }}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {unread > 0 ? (
          <span className="bell-count" data-testid="notification-count">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <section ref={panel} id="notifications-panel" className="bell-panel card" aria-label="Notifications">
          <div className="row bell-panel-head">
            <strong>Notifications</strong>
            {unread > 0 ? (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => mark.mutate(() => api.notifications.markAllRead.mutate())}>
                Mark all read
              </button>
            ) : null}
          </div>
          <ErrorNote error={mine.error ?? mark.error} />
          {mine.data && mine.data.items.length === 0 ? <p className="muted">Nothing yet.</p> : null}
          <ul className="bell-list">
            {mine.data?.items.map((item) => (
              <li key={item.id} className={item.readAt ? 'bell-item' : 'bell-item bell-item-unread'} data-testid="notification">
                <a href={item.link ? `#${item.link}` : undefined} onClick={() => follow(item)}>
                  <span className="bell-title">
                    {item.readAt ? null : <span className="visually-hidden">Unread: </span>}
                    {item.title}
                  </span>
                  {item.body ? <span className="bell-body">{item.body}</span> : null}
                  <span className="bell-time">{whenTold(item.createdAt)}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
