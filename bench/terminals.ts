/**
 * The two things the benchmark compares, behind one small shape: a PTY opened directly with node-pty in
 * this process, and a terminal reached through the gateway (a WireClient against a gateway process).
 */
import headless from '@xterm/headless';
import { spawn } from 'node-pty';
import { LIMITS } from '@autolabs/gateway/protocol/wire';
import { bashTarget } from '@autolabs/gateway/testing/test-tickets';
import type { GatewayProcess } from '@autolabs/gateway/testing/gateway-process';
import type { TicketOverrides } from '@autolabs/gateway/testing/test-tickets';
import { WireClient } from '@autolabs/gateway/testing/wire-client';

export interface BenchTerminal {
  write(data: string): void;
  /** Subscribe to output; returns the unsubscribe function. */
  onData(handler: (text: string) => void): () => void;
  bytes(): number;
  close(): Promise<void>;
}

export function directPty(): BenchTerminal {
  const target = bashTarget();
  if (target.kind !== 'pty') throw new Error('bench needs a pty target');
  const pty = spawn(target.argv[0], target.argv.slice(1), { cols: 80, rows: 24, cwd: target.cwd, env: target.env, encoding: null });
  const handlers = new Set<(text: string) => void>();
  const decoder = new TextDecoder();
  let bytes = 0;
  pty.onData((data: string | Buffer) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    bytes += buf.byteLength;
    const text = decoder.decode(buf, { stream: true });
    for (const h of handlers) h(text);
  });
  return {
    write: (d) => pty.write(d),
    onData: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    bytes: () => bytes,
    close: async () => pty.kill('SIGKILL'),
  };
}

export async function viaGateway(gw: GatewayProcess, claims?: TicketOverrides): Promise<BenchTerminal & { client: WireClient }> {
  const client = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(claims), origin: gw.origin, keepText: false });
  const handlers = new Set<(text: string) => void>();
  const decoder = new TextDecoder();
  client.onOutput = (payload) => {
    const text = decoder.decode(payload, { stream: true });
    for (const h of handlers) h(text);
  };
  return {
    client,
    write: (d) => client.type(d),
    onData: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    bytes: () => client.outputBytes,
    close: async () => {
      await client.close();
    },
  };
}

/** Resolves when the terminal's output (from now on) contains `marker`. */
export function waitForOutput(term: BenchTerminal, marker: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${JSON.stringify(marker)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = term.onData((text) => {
      seen = (seen + text).slice(-(marker.length + 4096));
      if (seen.includes(marker)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

/**
 * A terminal through the gateway whose client behaves like the browser: output goes through a headless
 * xterm, and credit returns only once xterm has processed it (every 16 KiB, and when it caught up).
 * Text handlers see output when it is processed, i.e. when a browser would show it.
 */
export async function viaGatewayRendering(gw: GatewayProcess): Promise<BenchTerminal & { client: WireClient }> {
  const client = await WireClient.connect({ url: gw.url, ticket: await gw.ownerTicket(), origin: gw.origin, keepText: false, autoAck: false });
  const term = new headless.Terminal({ cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true });
  const handlers = new Set<(text: string) => void>();
  const decoder = new TextDecoder();
  let inFlight = 0;
  let unacked = 0;
  let processedSeq = 0;
  client.onOutput = (payload) => {
    const seq = client.lastSeq;
    const bytes = payload.byteLength;
    inFlight++;
    term.write(payload, () => {
      inFlight--;
      unacked += bytes;
      processedSeq = seq;
      if (unacked >= LIMITS.ackEveryBytes || inFlight === 0) {
        client.sendControl({ type: 'ack', seq: processedSeq, bytes: unacked, idle: inFlight === 0 });
        unacked = 0;
      }
      const text = decoder.decode(payload, { stream: true });
      for (const h of handlers) h(text);
    });
  };
  return {
    client,
    write: (d) => client.type(d),
    onData: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    bytes: () => client.outputBytes,
    close: async () => {
      await client.close();
      term.dispose();
    },
  };
}
