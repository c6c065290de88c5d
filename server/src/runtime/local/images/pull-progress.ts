/**
 * Turns skopeo's plain output into PullProgress. Without a terminal skopeo prints one line when it starts
 * each blob ("Copying blob sha256:..."), then "Copying config" once all layers are in, then "Writing
 * manifest". When a layer is finished is read from the store instead: a blob file appears in the layout
 * only after skopeo has verified its digest, so its presence (and size) is the honest "done".
 */

export interface PullProgress {
  layersDone: number;
  layersTotal: number;
  /** Bytes of the layers done so far, from the stored blob sizes (the manifest's sizes once it is known). */
  bytes: number;
  message: string;
}

export type SkopeoEvent =
  | { kind: 'start' }
  | { kind: 'blob'; digest: string; skipped: boolean }
  | { kind: 'config'; digest: string }
  | { kind: 'manifest' };

const BLOB_RE = /^Copying blob (\S+)(.*)$/;
const CONFIG_RE = /^Copying config (\S+)/;

export function parseSkopeoLine(line: string): SkopeoEvent | null {
  const text = line.trim();
  if (text.startsWith('Getting image source signatures')) return { kind: 'start' };
  const blob = BLOB_RE.exec(text);
  if (blob) return { kind: 'blob', digest: blob[1], skipped: /skipped|already exists/.test(blob[2]) };
  const config = CONFIG_RE.exec(text);
  if (config) return { kind: 'config', digest: config[1] };
  if (text.startsWith('Writing manifest')) return { kind: 'manifest' };
  return null;
}

/** Follows one pull. `blobSize` says the size of a blob already in the store, or null while it is not. */
export class PullProgressTracker {
  private readonly layers = new Map<string, number | null>();
  private phase = 'contacting the registry';
  private last = '';

  constructor(
    private readonly image: string,
    private readonly blobSize: (digest: string) => number | null,
    private readonly emit: (p: PullProgress) => void,
  ) {}

  onLine(line: string): void {
    const event = parseSkopeoLine(line);
    if (event === null) return;
    if (event.kind === 'blob') {
      this.layers.set(event.digest, null);
      this.phase = 'downloading layers';
    } else if (event.kind === 'config') {
      for (const digest of this.layers.keys()) this.layers.set(digest, this.blobSize(digest) ?? 0);
      this.phase = 'copying the image config';
    } else if (event.kind === 'manifest') {
      this.phase = 'writing the manifest';
    }
    this.poll();
  }

  /** Looks at the store for layers that finished since the last call; emits only when something changed. */
  poll(): void {
    for (const [digest, size] of this.layers) if (size === null) this.layers.set(digest, this.blobSize(digest));
    const done = [...this.layers.values()].filter((s): s is number => s !== null);
    this.report({ layersDone: done.length, layersTotal: this.layers.size, bytes: done.reduce((a, b) => a + b, 0) });
  }

  /** The final count, from the manifest that is now in the store. */
  finish(layerSizes: number[]): void {
    const bytes = layerSizes.reduce((a, b) => a + b, 0);
    this.phase = 'pulled';
    this.report({ layersDone: layerSizes.length, layersTotal: layerSizes.length, bytes });
  }

  private report(counts: Omit<PullProgress, 'message'>): void {
    const message = `${this.image}: ${this.phase}${counts.layersTotal > 0 ? ` (${counts.layersDone}/${counts.layersTotal} layers)` : ''}`;
    const key = `${message}|${counts.bytes}`;
    if (key === this.last) return;
    this.last = key;
    this.emit({ ...counts, message });
  }
}
