/** The whole API. Web clients import `type AppRouter` only (no server code reaches the browser). */
import { createCallerFactory, router } from './init';
import { adminRouter } from './routers/admin';
import { assignmentsRouter } from './routers/assignments';
import { coursesRouter } from './routers/courses';
import { deploymentsRouter } from './routers/deployments';
import { groupsRouter } from './routers/groups';
import { handsRouter } from './routers/hands';
import { instancesRouter } from './routers/instances';
import { labsRouter } from './routers/labs';
import { meRouter } from './routers/me';
import { notificationsRouter } from './routers/notifications';
import { progressRouter } from './routers/progress';
import { wallRouter } from './routers/wall';
import { recordingsRouter } from './routers/recordings';
import { sessionsRouter } from './routers/sessions';
import { sshKeysRouter } from './routers/ssh-keys';
import { sshPasswordsRouter } from './routers/ssh-passwords';
import { timeRequestsRouter } from './routers/time-requests';

export const appRouter = router({
  me: meRouter,
  courses: coursesRouter,
  groups: groupsRouter,
  assignments: assignmentsRouter,
  labs: labsRouter,
  deployments: deploymentsRouter,
  instances: instancesRouter,
  sessions: sessionsRouter,
  sshKeys: sshKeysRouter,
  sshPasswords: sshPasswordsRouter,
  timeRequests: timeRequestsRouter,
  hands: handsRouter,
  notifications: notificationsRouter,
  progress: progressRouter,
  wall: wallRouter,
  recordings: recordingsRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
