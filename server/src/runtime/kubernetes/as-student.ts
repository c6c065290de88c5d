/**
 * The student works, and the checks run, as the image's `student` user in the terminal container, with the
 * lab's storage as home: as in the local runtime's pod mode. An exec runs as the container's user, and
 * the bundled images run sshd as root, so the command is wrapped: when it starts as root and the image
 * has a `student` user, `setpriv` (util-linux, in every Debian image) drops to that user first. Only a
 * container with `ssh: true` keeps the SETUID/SETGID capabilities this needs (manifests/pod.ts); in any
 * other container the command runs as the image's user, unwrapped.
 */
import type { LabConfig, LabContainer } from '../../labs/lab-config';

export const STUDENT_USER = 'student';

const DROP_TO_STUDENT = [
  `if [ "$(id -u)" = 0 ] && id ${STUDENT_USER} >/dev/null 2>&1 && command -v setpriv >/dev/null; then`,
  `  cd "$0" 2>/dev/null || cd /;`,
  `  exec setpriv --reuid=${STUDENT_USER} --regid=${STUDENT_USER} --init-groups env HOME="$0" USER=${STUDENT_USER} LOGNAME=${STUDENT_USER} "$@";`,
  'fi;',
  'exec "$@"',
].join(' ');

/** `command` as the exec in `container` should run it; pure. */
export function asStudent(config: LabConfig, container: LabContainer, command: string[]): string[] {
  if (!container.terminal || !container.ssh) return command;
  return ['/bin/sh', '-c', DROP_TO_STUDENT, config.spec.storage.mountPath, ...command];
}
