/**
 * The main thread's end of the screen worker: starts it on first use, routes its answers to the mirror
 * they belong to, and tells every mirror when the worker is gone. One worker serves every session of
 * the process (a thread per session would cost megabytes each; parsing is one core's work at most).
 */
import { Worker } from 'node:worker_threads';
import type { FromScreenWorker, ToScreenWorker } from './screen-messages';

export interface ScreenWorkerListener {
  onMessage(message: FromScreenWorker): void;
  /** The worker died or was stopped: no answer will come for anything posted. */
  onLost(error: Error): void;
}

// From source (tsx, vitest) a boot file loads the TypeScript entry through tsx. `npm run build` compiles
// screen-worker.ts to screen-worker.js beside this module's compiled twin, and the thread runs that as is.
const COMPILED = import.meta.url.endsWith('.js');
const BOOT_URL = new URL(COMPILED ? './screen-worker.js' : './screen-worker-boot.mjs', import.meta.url);
const ENTRY_URL = new URL('./screen-worker.ts', import.meta.url).href;

export class ScreenWorkerHost {
  private worker: Worker | null = null;
  private readonly listeners = new Map<number, ScreenWorkerListener>();
  private nextId = 1;
  /** Bytes posted for parsing and not parsed yet, over every mirror (kept by the mirrors). */
  backlogBytes = 0;

  /** Whether the worker thread is started (it starts on the first post). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Registers a mirror; returns its id for `post`. */
  register(listener: ScreenWorkerListener): number {
    const id = this.nextId++;
    this.listeners.set(id, listener);
    return id;
  }

  unregister(id: number): void {
    this.listeners.delete(id);
  }

  post(message: ToScreenWorker, transfer: ArrayBuffer[] = []): void {
    this.ensureWorker().postMessage(message, transfer);
  }

  /** Stops the worker; every registered mirror is told it is lost. The next `post` starts a new one. */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // Messages posted before the entry has loaded wait in the port's queue, in order.
    // A small young generation: the worker's garbage is short-lived parser state, and the default (sized
    // for a whole application) measured ~55 KiB more RSS per idle session at 300 sessions.
    const worker = new Worker(BOOT_URL, { workerData: { entry: ENTRY_URL }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    // Sessions keep the process alive, not the worker that serves them.
    worker.unref();
    worker.on('message', (m: FromScreenWorker) => this.listeners.get(m.id)?.onMessage(m));
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const gone = [...this.listeners.values()];
      this.listeners.clear();
      for (const l of gone) l.onLost(error);
      this.backlogBytes = 0;
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`screen worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

/** The process's screen worker. */
export const screenWorkerHost = new ScreenWorkerHost();
