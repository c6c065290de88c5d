import { describe, expect, it } from 'vitest';
import { knownHostsLine, labSshCommand, sshCommand } from './ssh-access';

describe('ssh access lines', () => {
  it('brackets host and port in known_hosts unless the port is 22', () => {
    expect(knownHostsLine('labs.example.edu', 2222, 'ssh-ed25519 AAAAC3')).toBe('[labs.example.edu]:2222 ssh-ed25519 AAAAC3');
    expect(knownHostsLine('labs.example.edu', 22, 'ssh-ed25519 AAAAC3')).toBe('labs.example.edu ssh-ed25519 AAAAC3');
  });
  it('names the lab after a plus when one is picked', () => {
    expect(sshCommand('ada', 'labs.example.edu', 2222)).toBe('ssh -p 2222 ada@labs.example.edu');
    expect(sshCommand('ada', 'labs.example.edu', 22, 'linux-basics')).toBe('ssh ada+linux-basics@labs.example.edu');
  });
});

describe('labSshCommand', () => {
  it("logs in as the lab image's student on the node port", () => {
    expect(labSshCommand('172.31.255.2', 31022)).toBe('ssh -p 31022 student@172.31.255.2');
  });
});
