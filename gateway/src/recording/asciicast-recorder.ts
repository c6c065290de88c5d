/**
 * Streams a session's output to the object store as asciicast v2, in chunks (every `chunkBytes` or
 * `chunkMs`, whichever first), so a recording survives a gateway crash up to the last chunk and memory
 * stays bounded however long the session runs. Chunk 0 starts with the header; concatenating the chunks
 * in key order gives the whole cast. Start and finish are announced on RECORDING_CHANNEL so the server
 * can index them (the gateway never touches the database).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { RECORDING_CHANNEL, type SessionStore } from '@autolabs/common/session-store/session-store';
import type { TerminalSize } from '../backends/terminal-backend';
import { asciicastHeader, chunkKey, markerEvent, outputEvent, recordingPrefix, resizeEvent } from './asciicast';

/** The largest chunk: what one recorded session may buffer while its store is busy. */
const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * A chunk is cut at this size (or every `chunkMs`): each put costs the same whatever its size (a file
 * written, synced and renamed; an HTTP request to S3), so a flood recorded in 64 KiB chunks spent more
 * CPU on puts than on the recording (issue 9: 5.0-5.2 s per 100 MB recorded, 3.2-3.8 with 512 KiB).
 */
const CHUNK_BYTES = 512 * 1024;

export interface RecorderOptions {
  objectStore: ObjectStore;
  bucket: string;
  sessionStore: SessionStore;
  log: FastifyBaseLogger;
  sessionId: string;
  ownerId: string;
  labInstanceId: string;
  size: TerminalSize;
  chunkBytes?: number;
  chunkMs?: number;
  /** Called when unsent chunks exceed their bound (true) and when they drained (false). */
  onBacklog?: (behind: boolean) => void;
}

export interface RecordingAnnouncement {
  type: 'started' | 'finished';
  sessionId: string;
  ownerId: string;
  labInstanceId: string;
  bucket: string;
  prefix: string;
  bytes: number;
  durationMs: number;
  startedAt: number;
  chunks: number;
}

export class AsciicastRecorder {
  private readonly startedAt = Date.now();
  private readonly started = performance.now();
  private readonly decoder = new TextDecoder('utf-8');
  private buffer: string[] = [];
  private bufferBytes = 0;
  private chunks = 0;
  private totalBytes = 0;
  private unsentBytes = 0;
  private behind = false;
  /** Chunks cut and not stored yet. */
  private uploading = 0;
  private uploads: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private finished = false;
  /** Whole ms elapsed when finish() was called (rounded up): the recording's duration, announced and marked in the cast alike. */
  private endedMs = 0;
  private readonly chunkBytes: number;

  constructor(private readonly opts: RecorderOptions) {
    this.chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    this.append(asciicastHeader(opts.size, this.startedAt));
    this.timer = setInterval(() => this.cut(), opts.chunkMs ?? 10_000);
    this.timer.unref();
    void this.announce('started');
  }

  get prefix(): string {
    return recordingPrefix(this.opts.sessionId, this.startedAt);
  }

  output(data: Uint8Array): void {
    if (this.finished) return;
    const text = this.decoder.decode(data, { stream: true });
    if (text.length > 0) this.append(outputEvent(this.elapsed(), text));
  }

  resize(size: TerminalSize): void {
    if (!this.finished) this.append(resizeEvent(this.elapsed(), size));
  }

  /**
   * Writes the last chunk, waits for every upload and announces the finished recording. The cast ends with
   * an `end` marker at the moment of finishing, and the announced duration is that same moment, so a player
   * and the recordings list show one length (without it, the cast ended at the last output, however long
   * the session stayed open after it).
   */
  async finish(): Promise<void> {
    if (this.finished) return;
    // Up, never down: the end marker must not come before the last output (1.243 ms must not end at 1 ms).
    this.endedMs = Math.ceil(this.elapsed());
    const tail = this.decoder.decode();
    if (tail.length > 0) this.append(outputEvent(this.endedMs, tail));
    this.append(markerEvent(this.endedMs, 'end'));
    this.finished = true;
    clearInterval(this.timer);
    this.cut();
    await this.uploads;
    await this.announce('finished');
  }

  private elapsed(): number {
    return performance.now() - this.started;
  }

  /**
   * A chunk is cut at `chunkBytes`, unless an upload is still in flight: then it grows (up to
   * MAX_CHUNK_BYTES), so a slow store gets fewer, larger puts instead of pausing the shell.
   * (String length, not UTF-8 length: a threshold need not be exact, and it spares a pass per byte.)
   */
  private append(line: string): void {
    this.buffer.push(line);
    this.bufferBytes += line.length;
    if (this.bufferBytes >= this.chunkBytes && (this.uploading === 0 || this.bufferBytes >= MAX_CHUNK_BYTES)) this.cut();
    else if (this.uploading > 0) this.updateBacklog();
  }

  private cut(): void {
    if (this.bufferBytes === 0) return;
    const body = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.bufferBytes = 0;
    const key = chunkKey(this.opts.sessionId, this.startedAt, this.chunks++);
    this.totalBytes += body.byteLength;
    this.unsentBytes += body.byteLength;
    this.uploading++;
    this.updateBacklog();
    this.uploads = this.uploads.then(async () => {
      try {
        await this.opts.objectStore.put(this.opts.bucket, key, body, { contentType: 'application/x-asciicast' });
      } catch (err) {
        this.opts.log.error({ err, key }, 'recording chunk upload failed');
      } finally {
        this.unsentBytes -= body.byteLength;
        this.uploading--;
        if (this.uploading === 0 && this.bufferBytes >= this.chunkBytes && !this.finished) this.cut();
        this.updateBacklog();
      }
    });
  }

  private updateBacklog(): void {
    // Behind when the store falls more than two full-size chunks behind: the shell waits for it. This is
    // what a recorded session may hold while its store is slow (2 MiB; a student's flood cannot grow it).
    const behind = this.unsentBytes + this.bufferBytes > 2 * Math.max(MAX_CHUNK_BYTES, this.chunkBytes);
    if (behind !== this.behind) {
      this.behind = behind;
      this.opts.onBacklog?.(behind);
    }
  }

  private async announce(type: RecordingAnnouncement['type']): Promise<void> {
    const message: RecordingAnnouncement = {
      type,
      sessionId: this.opts.sessionId,
      ownerId: this.opts.ownerId,
      labInstanceId: this.opts.labInstanceId,
      bucket: this.opts.bucket,
      prefix: this.prefix,
      bytes: type === 'finished' ? this.totalBytes : 0,
      durationMs: type === 'finished' ? this.endedMs : 0,
      startedAt: this.startedAt,
      chunks: type === 'finished' ? this.chunks : 0,
    };
    try {
      await this.opts.sessionStore.publish(RECORDING_CHANNEL, message);
    } catch (err) {
      this.opts.log.error({ err, sessionId: this.opts.sessionId }, 'recording announcement failed');
    }
  }
}
