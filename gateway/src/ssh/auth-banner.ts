/**
 * Says why a login was refused. SSH has no error text in its "authentication failed" message; the only
 * text a client shows during authentication is SSH_MSG_USERAUTH_BANNER (RFC 4252 5.4), which OpenSSH
 * prints on stderr. ssh2's server sends a banner only once, before the first attempt, so we send one
 * ourselves through its protocol object, the way it does (ssh2 1.17: Protocol.serviceAccept). Should an
 * ssh2 upgrade change these internals, the banner is skipped (logged), the refusal itself still happens,
 * and the OpenSSH test that reads the message fails.
 */
import { createRequire } from 'node:module';
import type { AuthContext } from 'ssh2';

type PacketWriter = (proto: unknown, packet: Buffer) => boolean;
let writer: { sendPacket?: PacketWriter } | undefined;

/**
 * ssh2's own packet writer: queues the packet while a key exchange is under way, encrypts it otherwise.
 * Required on the first banner, not when the gateway loads (ssh2 is loaded only once SSH is used).
 */
function packetWriter(): PacketWriter | undefined {
  writer ??= createRequire(import.meta.url)('ssh2/lib/protocol/utils.js') as { sendPacket?: PacketWriter };
  return writer.sendPacket;
}

const USERAUTH_BANNER = 53;

interface ProtocolInternals {
  _packetRW?: { write: { allocStart: number; alloc(size: number): Buffer; finalize(packet: Buffer): Buffer } };
}

/** Returns false when the banner could not be sent (unknown ssh2 internals). */
export function sendAuthBanner(ctx: AuthContext, text: string): boolean {
  const proto = (ctx as unknown as { _protocol?: ProtocolInternals })._protocol;
  const rw = proto?._packetRW?.write;
  const sendPacket = packetWriter();
  if (!rw || typeof sendPacket !== 'function') return false;
  const message = text.endsWith('\r\n') ? text : `${text.replace(/\r?\n/g, '\r\n')}\r\n`;
  const len = Buffer.byteLength(message);
  let p = rw.allocStart;
  const packet = rw.alloc(1 + 4 + len + 4);
  packet[p] = USERAUTH_BANNER;
  packet.writeUInt32BE(len, ++p);
  packet.write(message, (p += 4), len, 'utf8');
  packet.writeUInt32BE(0, p + len);
  sendPacket(proto, rw.finalize(packet));
  return true;
}
