import { describe, expect, it } from 'vitest';
import { parseLabConfig } from '../labs/lab-config';
import { chooseTerminalBackend } from './terminal-backend-choice';

const lab = (container: string, spec = '') =>
  parseLabConfig(`apiVersion: autolabs.io/v1
kind: Lab
metadata: { name: shell, title: Shell }
spec:
  containers:
    - { name: shell, image: autolabs/linux-basics:latest, terminal: true${container} }
${spec}`);

describe('chooseTerminalBackend', () => {
  it("follows the lab's own choice over the installation's", () => {
    expect(chooseTerminalBackend(lab(', ssh: true', '  terminal: { backend: ssh }'), 'exec')).toBe('ssh');
    expect(chooseTerminalBackend(lab(', ssh: true', '  terminal: { backend: exec }'), 'ssh')).toBe('exec');
  });

  it("takes the installation's default when the lab does not say, and exec for a terminal container without sshd", () => {
    expect(chooseTerminalBackend(lab(', ssh: true'), 'ssh')).toBe('ssh');
    expect(chooseTerminalBackend(lab(''), 'ssh')).toBe('exec');
    expect(chooseTerminalBackend(lab(', ssh: true'), 'exec')).toBe('exec');
  });
});
