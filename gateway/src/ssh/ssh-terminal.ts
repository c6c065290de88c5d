/**
 * An SSH shell channel as one more client of a live session: the hub sees a ClientSink like a browser's
 * WebSocket, so shadowing, recording, control handoff and the grace period work the same for both doors.
 * Output frames are written to the channel and acknowledged once the channel has taken them (its SSH
 * window is the flow control here, as the browser's acks are there); keystrokes go to the hub as the
 * owner's input; window-change becomes a resize. A dropped SSH connection detaches the client and the
 * shell lives on for the grace period, like a closed browser tab.
 */
import type { ServerChannel } from 'ssh2';
import type { TerminalSize } from '../backends/terminal-backend';
import type { ClientSink } from '../hub/client-sink';
import type { SessionClient } from '../hub/live-session';
import { CloseCode, FRAME_HEADER_BYTES, FrameType, type ServerControlMessage } from '../protocol/wire';

/** What the front door hands over once the ticket is admitted: attach and get the hub's client. */
export type AttachSink = (sink: ClientSink, size: TerminalSize) => Promise<SessionClient>;

export function clampSize(cols: number, rows: number): TerminalSize {
  const clamp = (v: number, max: number, fallback: number) => (Number.isInteger(v) && v >= 1 ? Math.min(v, max) : fallback);
  return { cols: clamp(cols, 1000, 80), rows: clamp(rows, 500, 24) };
}

/** Why a session's end is worth a line to the SSH user (an exit of the shell itself needs none). */
const CLOSE_TEXT: Partial<Record<number, string>> = {
  [CloseCode.KILLED_BY_ADMIN]: 'an administrator ended this session',
  [CloseCode.SHUTTING_DOWN]: 'the gateway is restarting; connect again in a moment',
  [CloseCode.SESSION_NOT_FOUND]: 'the session is over; connect again',
  [CloseCode.INTERNAL]: 'internal error; connect again',
};

export async function attachShell(channel: ServerChannel, size: TerminalSize, attach: AttachSink): Promise<{ resize(size: TerminalSize): void }> {
  let client: SessionClient | null = null;
  let exitCode: number | null = null;
  let closed = false;
  let unacked = 0;
  let lastSeq = 0;

  const ack = () => {
    if (!client || unacked === 0) return;
    // The channel took everything (written, or drained): this client waits for output.
    client.control({ type: 'ack', seq: lastSeq, bytes: unacked, idle: true });
    unacked = 0;
  };
  channel.on('drain', ack);

  const sink: ClientSink = {
    kind: 'ssh',
    sendFrame(frame) {
      if (closed) return;
      const type = frame[0];
      lastSeq = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).readUInt32BE(1);
      let payload = frame.subarray(FRAME_HEADER_BYTES);
      // A snapshot redraws the screen as it is (joining a session the browser has open): clear first.
      if (type === FrameType.snapshot) payload = Buffer.concat([Buffer.from('\x1b[H\x1b[2J'), payload]);
      unacked += frame.byteLength - FRAME_HEADER_BYTES;
      // Acked after the call returns: the hub counts the bytes as sent only after sendFrame.
      if (channel.write(payload)) queueMicrotask(ack);
    },
    sendControl(message: ServerControlMessage) {
      if (closed) return;
      if (message.type === 'exit') exitCode = message.code ?? 255;
      else if (message.type === 'error' && message.code !== 'FORBIDDEN') channel.stderr.write(`\r\n[autolabs] ${message.message}\r\n`);
      else if (message.type === 'request-control') channel.stderr.write(`\r\n[autolabs] ${message.name} asks to type in your terminal; grant it in the browser.\r\n`);
    },
    close(code, reason) {
      if (closed) return;
      closed = true;
      const text = CLOSE_TEXT[code];
      if (text) channel.stderr.write(`\r\n[autolabs] ${text} (${reason})\r\n`);
      channel.exit(exitCode ?? (code === CloseCode.SESSION_ENDED ? 0 : 255));
      channel.end();
    },
    get bufferedAmount() {
      return channel.writableLength;
    },
  };

  client = await attach(sink, size);
  ack();
  const detach = () => {
    closed = true;
    client?.detach();
  };
  channel.on('data', (data: Buffer) => client?.input(data));
  channel.on('close', detach);
  channel.on('error', detach);
  return { resize: (next) => client?.control({ type: 'resize', ...next }) };
}
