/**
 * This machine as the real node sees it (test/cluster/node-env.sh: the host end of the node's veth), and
 * listeners on it that tests use to show what a lab can and cannot reach there:
 * - `tcpProxy` puts one of this machine's loopback-only services (Postgres, Redis, RabbitMQ) on the node-facing
 *   address, as an installation whose services listen on every address would have it;
 * - `bannerServer` is a stand-in service that greets and hangs up; `udpEcho` sends every datagram back;
 * - `dnatFromNode` makes addresses that are not on this machine (169.254.169.254, a public address) answer
 *   traffic that comes from the node, in an nftables table of the caller's own that matches only packets
 *   arriving on the node's veth, so this machine's own traffic to those addresses is untouched.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Keep in step with test/cluster/node-env.sh. */
export const NODE_HOST_IP = '172.31.255.1';
export const NODE_IP = '172.31.255.2';
export const NODE_VETH_HOST = 'alnode-host';
export const NODE_NETNS = 'autolabs-node';

export interface Listener {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, host: string, port: number): Promise<Listener> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** Accepts on host:port (0 = any free port) and forwards each connection to 127.0.0.1:`toPort`. */
export function tcpProxy(host: string, port: number, toPort: number): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(toPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return listen(server, host, port).then((l) => ({ ...l, close: () => (sockets.forEach((s) => s.destroy()), l.close()) }));
}

/** Writes `banner` to every connection and closes it. */
export function bannerServer(host: string, port: number, banner: string): Promise<Listener> {
  return listen(net.createServer((s) => s.on('error', () => undefined).end(banner)), host, port);
}

export function udpEcho(host: string, port: number): Promise<Listener> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => socket.send(msg, from.port, from.address));
  return new Promise((resolve, reject) => {
    socket.once('error', (e) => reject(new Error(`cannot listen on udp ${host}:${port}: ${e.message}`)));
    socket.bind(port, host, () =>
      resolve({ port: socket.address().port, close: () => new Promise((done) => socket.close(() => done())) }),
    );
  });
}

export interface Dnat {
  address: string;
  port: number;
  /** Where this machine delivers it: NODE_HOST_IP:toPort. */
  toPort: number;
}

/** Loads `table ip <table>` translating each address:port from the node to NODE_HOST_IP; remove() drops it. */
export async function dnatFromNode(table: string, rules: Dnat[]): Promise<{ remove(): Promise<void> }> {
  const lines = rules.map((r) => `    iifname "${NODE_VETH_HOST}" ip daddr ${r.address} tcp dport ${r.port} dnat to ${NODE_HOST_IP}:${r.toPort}`);
  const ruleset = [`table ip ${table} {`, '  chain prerouting {', '    type nat hook prerouting priority dstnat - 1;', ...lines, '  }', '}', ''].join('\n');
  await nft(['-f', '-'], ruleset);
  return { remove: () => nft(['delete', 'table', 'ip', table]) };
}

function nft(args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', args, (err, _out, stderr) => (err ? reject(new Error(`nft ${args.join(' ')}: ${stderr || err.message}`)) : resolve()));
    // nft may exit before reading (an error, or a command that takes no input): a broken pipe is not ours to report.
    child.stdin?.on('error', () => undefined).end(stdin ?? '');
  });
}

/** The TCP listening sockets of this machine, as `ss -Htln` prints them: `address:port` each. */
export async function listeningSockets(): Promise<string[]> {
  const { stdout } = await run('ss', ['-Htln']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[3])
    .filter((local): local is string => Boolean(local));
}
