/**
 * Which running lab an SSH login lands in: the only one, or the one named after the `+`. Pure, so every
 * case is a unit test. Two labs of one name (two assignments of the same lab) are told apart by the first
 * 8 characters of their instance id.
 */
import type { SshLabChoice } from '@autolabs/common/ssh/ssh-login-wire';

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

/**
 * A lab's one-time password opens its own instance only: a bare login lands there, and so does the name
 * after the `+` when it is that lab's (its choice login or its plain name); any other name is told which
 * login the password is for.
 */
export function pickPasswordLab<T extends RunningLab>(labs: T[], instanceId: string, wanted: string | null, username: string): LabPick<T> {
  const choices = choicesOf(labs);
  const i = labs.findIndex((l) => l.instanceId === instanceId);
  if (i < 0) {
    return { kind: 'none', message: 'The lab this one-time password was made for is not running. Start it in the web app (My labs) and reveal a new password.', choices };
  }
  const [lab, choice] = [labs[i], choices[i]];
  if (wanted === null || wanted === choice.login || wanted === lab.name) return { kind: 'one', lab, choice, choices: [choice] };
  return { kind: 'none', message: `This one-time password is for ${username}+${choice.login} (${lab.title}) only; log in with that name.`, choices: [choice] };
}
