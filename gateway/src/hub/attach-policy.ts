/**
 * Who may attach to which session, decided from the verified ticket and what we know of the session.
 * Pure, so every rule is tested by itself. An owner ticket is the student's own: `sub` must be the
 * owner and the session (when it exists) must belong to them. A viewer ticket is read-only and only
 * for staff; the server already checked the course, this is the gateway's second line.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import type { TicketClaims } from '@autolabs/common/tickets/ticket';

export interface KnownSession {
  ownerId: string;
  labInstanceId: string;
}

export function checkAttach(ticket: TicketClaims, session: KnownSession | null): void {
  if (ticket.mode === 'owner') {
    if (ticket.sub !== ticket.ownerId) throw new AppError('FORBIDDEN', 'an owner ticket must belong to the session owner', { field: 'ticket.sub' });
    if (session && session.ownerId !== ticket.sub) throw new AppError('FORBIDDEN', 'this terminal session belongs to someone else', { field: 'ticket.sid' });
    if (session && session.labInstanceId !== ticket.labInstanceId) {
      throw new AppError('FORBIDDEN', 'this terminal session belongs to another lab instance', { field: 'ticket.labInstanceId' });
    }
    if (!session && !ticket.target) throw new AppError('NOT_FOUND', 'the terminal session has ended; open the lab again', { field: 'ticket.sid' });
    return;
  }
  if (ticket.role !== 'teacher' && ticket.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'only teachers and administrators may watch a terminal', { field: 'ticket.role' });
  }
  if (!session) throw new AppError('NOT_FOUND', 'the terminal session is not live', { field: 'ticket.sid' });
  if (session.ownerId !== ticket.ownerId) throw new AppError('FORBIDDEN', 'the ticket is for another student', { field: 'ticket.ownerId' });
}
