/**
 * Which running lab an SSH login lands in: the only one, or the one named after the `+`. Pure, so every
 * case is a unit test. Two labs of one name (two assignments of the same lab) are told apart by the first
 * 8 characters of their instance id.
 */
import type { SshLabChoice } from './ssh-login-wire';

export interface RunningLab {
  instanceId: string;
  name: string;
  title: string;
}

export type LabPick<T extends RunningLab> = { kind: 'one'; lab: T; choice: SshLabChoice; choices: SshLabChoice[] } | { kind: 'none'; message: string; choices: SshLabChoice[] };

export function choicesOf(labs: RunningLab[]): SshLabChoice[] {
  return labs.map((l) => ({ login: labs.filter((o) => o.name === l.name).length > 1 ? l.instanceId.slice(0, 8) : l.name, title: l.title }));
}

export function pickLab<T extends RunningLab>(labs: T[], wanted: string | null, username: string): LabPick<T> {
  const choices = choicesOf(labs);
  const list = choices.map((c) => `  ${username}+${c.login}  (${c.title})`).join('\n');
  if (labs.length === 0) return { kind: 'none', message: 'You have no lab running. Start one in the web app (My labs), then connect again.', choices };
  if (wanted === null) {
    if (labs.length === 1) return { kind: 'one', lab: labs[0], choice: choices[0], choices };
    return { kind: 'none', message: `You have ${labs.length} labs running. Pick one by logging in as:\n${list}`, choices };
  }
  const i = choices.findIndex((c) => c.login === wanted);
  const byName = labs.filter((l) => l.name === wanted);
  if (i >= 0) return { kind: 'one', lab: labs[i], choice: choices[i], choices };
  if (byName.length > 1) return { kind: 'none', message: `Several labs named ${wanted} are running. Pick one by logging in as:\n${list}`, choices };
  return { kind: 'none', message: `No running lab of yours is called ${wanted}. Your running labs:\n${list}`, choices };
}
