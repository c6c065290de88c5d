/** Wording of the notification bell, kept pure for unit tests. */

/** The bell's accessible name: what a screen reader says, the count included. */
export function bellLabel(unread: number): string {
  return unread === 0 ? 'Notifications, none unread' : `Notifications, ${unread} unread`;
}

/** When a notification came: the time today, else the date and time. */
export function whenTold(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === now.toDateString() ? time : `${at.toLocaleDateString()} ${time}`;
}
