/**
 * Reachability probes run inside a pod: one bash script tries every target at once (bash's /dev/tcp and
 * /dev/udp, so the image needs nothing but bash and coreutils) and prints `<name> open` or `<name> closed`
 * per target. TCP is open when the connect succeeds; UDP when a datagram comes back from an echo server.
 * A connect that a NetworkPolicy blocks never succeeds however long one waits, so a short connect timeout
 * only decides how soon "closed" is reported; an "open" that is expected is polled for (see probeUntil),
 * so no positive result depends on the machine's speed.
 */

export interface Target {
  /** A word naming the target in results and failure messages, e.g. `lab-b:80`. */
  name: string;
  host: string;
  port: number;
  /** TCP unless said; a UDP target must echo what it is sent. */
  protocol?: 'udp';
}

export type Reachability = Record<string, 'open' | 'closed'>;

export const CONNECT_TIMEOUT_SECONDS = 3;

/** The script: every probe in the background, then `wait`; names and addresses are ours, never input. */
export function probeScript(targets: Target[]): string {
  const verdict = 'then echo "$1 open"; else echo "$1 closed"; fi; }';
  const tcp = `p() { if timeout ${CONNECT_TIMEOUT_SECONDS} bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; ${verdict}`;
  const echoed = `timeout ${CONNECT_TIMEOUT_SECONDS} bash -c "exec 3<>/dev/udp/$2/$3; printf echo >&3; head -c 4 <&3" 2>/dev/null`;
  const udp = `u() { if [ "$(${echoed})" = echo ]; ${verdict}`;
  const probes = targets.map((t) => `${t.protocol === 'udp' ? 'u' : 'p'} ${t.name} ${t.host} ${t.port} &`);
  return [tcp, udp, ...probes, 'wait'].join('\n');
}

/** Parses the script's output; throws when a target has no line (the script did not run to its end). */
export function parseProbes(targets: Target[], stdout: string): Reachability {
  const seen = new Map<string, 'open' | 'closed'>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (open|closed)$/.exec(line.trim());
    if (m) seen.set(m[1], m[2] as 'open' | 'closed');
  }
  const missing = targets.filter((t) => !seen.has(t.name)).map((t) => t.name);
  if (missing.length > 0) throw new Error(`no probe result for ${missing.join(', ')} in:\n${stdout}`);
  return Object.fromEntries(targets.map((t) => [t.name, seen.get(t.name) ?? 'closed']));
}

/** What `targets` should look like when exactly `open` are reachable. */
export function expectedReachability(targets: Target[], open: string[]): Reachability {
  const unknown = open.filter((name) => !targets.some((t) => t.name === name));
  if (unknown.length > 0) throw new Error(`expected-open names that are not targets: ${unknown.join(', ')}`);
  return Object.fromEntries(targets.map((t) => [t.name, open.includes(t.name) ? 'open' : 'closed']));
}

/**
 * Probes until every target expected open is open, and returns that result; returns at once when a target
 * expected closed is open (the caller's assertion then shows it), or the last result at the deadline.
 */
export async function probeUntil(
  probe: () => Promise<Reachability>,
  expected: Reachability,
  timeoutMs = 60_000,
): Promise<Reachability> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await probe();
    const names = Object.keys(expected);
    const leaked = names.some((n) => expected[n] === 'closed' && seen[n] === 'open');
    const allOpen = names.every((n) => expected[n] === 'closed' || seen[n] === 'open');
    if (leaked || allOpen || Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 500));
  }
}
