import { describe, expect, it } from 'vitest';
import { pickLab, pickPasswordLab } from './ssh-lab-choice';

const basics = { instanceId: 'aaaaaaaa-1111', name: 'linux-basics', title: 'Linux basics' };
const sqli = { instanceId: 'bbbbbbbb-2222', name: 'sql-injection', title: 'SQL injection' };
const basics2 = { instanceId: 'cccccccc-3333', name: 'linux-basics', title: 'Linux basics' };

describe('pickLab', () => {
  it('lands a bare login in the only running lab', () => {
    expect(pickLab([basics], null, 'ada')).toMatchObject({ kind: 'one', lab: basics, choice: { login: 'linux-basics' } });
  });
  it('says how to start a lab when none runs', () => {
    expect(pickLab([], null, 'ada')).toMatchObject({ kind: 'none', message: expect.stringMatching(/no lab running/) });
  });
  it('lists the choices, as logins to copy, when several run and none is named', () => {
    const pick = pickLab([basics, sqli], null, 'ada');
    expect(pick).toMatchObject({ kind: 'none', choices: [{ login: 'linux-basics' }, { login: 'sql-injection' }] });
    expect(pick.kind === 'none' && pick.message).toContain('ada+sql-injection  (SQL injection)');
  });
  it('picks the lab named after the plus, and refuses a name that is not running', () => {
    expect(pickLab([basics, sqli], 'sql-injection', 'ada')).toMatchObject({ kind: 'one', lab: sqli });
    expect(pickLab([basics], 'sql-injection', 'ada')).toMatchObject({ kind: 'none', message: expect.stringMatching(/No running lab of yours is called sql-injection/) });
  });
  it('tells two labs of one name apart by their instance id prefix', () => {
    const pick = pickLab([basics, basics2], 'linux-basics', 'ada');
    expect(pick).toMatchObject({ kind: 'none', choices: [{ login: 'aaaaaaaa' }, { login: 'cccccccc' }] });
    expect(pickLab([basics, basics2], 'cccccccc', 'ada')).toMatchObject({ kind: 'one', lab: basics2 });
  });
});

describe('pickPasswordLab', () => {
  it('opens the password\'s own instance, bare or by its name, even beside another lab of that name', () => {
    expect(pickPasswordLab([basics, sqli], sqli.instanceId, null, 'ada')).toMatchObject({ kind: 'one', lab: sqli, choices: [{ login: 'sql-injection' }] });
    expect(pickPasswordLab([basics, basics2], basics2.instanceId, 'linux-basics', 'ada')).toMatchObject({ kind: 'one', lab: basics2, choice: { login: 'cccccccc' } });
    expect(pickPasswordLab([basics, basics2], basics2.instanceId, 'cccccccc', 'ada')).toMatchObject({ kind: 'one', lab: basics2 });
  });
  it('never opens another lab, and says which login the password is for', () => {
    const pick = pickPasswordLab([basics, sqli], sqli.instanceId, 'linux-basics', 'ada');
    expect(pick).toMatchObject({ kind: 'none', message: 'This one-time password is for ada+sql-injection (SQL injection) only; log in with that name.' });
    expect(pickPasswordLab([basics, basics2], basics2.instanceId, 'aaaaaaaa', 'ada').kind).toBe('none');
  });
  it('says when the password\'s lab no longer runs', () => {
    expect(pickPasswordLab([basics], sqli.instanceId, null, 'ada')).toMatchObject({ kind: 'none', message: expect.stringMatching(/not running/) });
  });
});
