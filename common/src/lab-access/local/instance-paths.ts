/**
 * Where a local lab instance lives on disk. One directory per instance, so `status` after a restart of our
 * process, `stop` from another process and `destroy` all find the same files:
 *
 *   <dataDir>/labs/<instanceId>/state.json   phase, config hash, times (see instance-state.ts)
 *   <dataDir>/labs/<instanceId>/home/        the student's persistent home (the local stand-in for a PVC)
 *   <dataDir>/labs/<instanceId>/home.img     in root mode, the ext4 image mounted at home/ (its quota)
 *   <dataDir>/labs/<instanceId>/scratch/     in root mode, /tmp and /var/tmp: scratch.img, new at each start
 *   <dataDir>/labs/<instanceId>/terminal.json  how the gateway opens a terminal (sandbox-launch.ts)
 *   <dataDir>/labs/<instanceId>/etc/         passwd, group, hosts, hostname shown inside the sandbox
 *   <dataDir>/labs/<instanceId>/pids/        one file per live sandbox, named by the pid of its wrapper
 *   <dataDir>/labs/uids/<uid>                which instance holds a sandbox user id (root mode only)
 */
import path from 'node:path';
import { AppError } from '../../errors/app-error';

export interface InstancePaths {
  root: string;
  home: string;
  homeImage: string;
  scratch: string;
  scratchImage: string;
  terminalLaunch: string;
  etc: string;
  pids: string;
  stateFile: string;
}

/** Instance ids become directory names, so only slug-safe ids (UUIDs, DNS labels) are accepted. */
const SAFE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function instancePaths(dataDir: string, instanceId: string): InstancePaths {
  if (!SAFE_ID.test(instanceId)) {
    throw new AppError('BAD_INPUT', 'instance id must be lowercase letters, digits and "-"', { field: 'instanceId' });
  }
  const root = path.join(path.resolve(dataDir), 'labs', instanceId);
  return {
    root,
    home: path.join(root, 'home'),
    homeImage: path.join(root, 'home.img'),
    scratch: path.join(root, 'scratch'),
    scratchImage: path.join(root, 'scratch.img'),
    terminalLaunch: path.join(root, 'terminal.json'),
    etc: path.join(root, 'etc'),
    pids: path.join(root, 'pids'),
    stateFile: path.join(root, 'state.json'),
  };
}

export function uidsDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'labs', 'uids');
}
