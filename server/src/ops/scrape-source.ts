/**
 * A gauge read at scrape time from something only a running component can reach (the database, the
 * broker): the component registers a reader while it runs, and the gauge asks the latest one. Several
 * registrations in one process (tests start several worker sets) read the same services, so one is enough.
 * A reader that fails or hangs leaves the gauge empty for that scrape rather than failing the whole scrape.
 */
import type { Disposable } from '@autolabs/common/disposable';

const READ_TIMEOUT_MS = 2000;

export class ScrapeSource<T> {
  private readonly readers: (() => Promise<T>)[] = [];

  constructor(private readonly timeoutMs = READ_TIMEOUT_MS) {}

  register(read: () => Promise<T>): Disposable {
    this.readers.push(read);
    return {
      dispose: () => {
        const at = this.readers.indexOf(read);
        if (at >= 0) this.readers.splice(at, 1);
      },
    };
  }

  /** The latest reader's value, or null when nobody reports here or the reader failed or took too long. */
  async read(): Promise<T | null> {
    const read = this.readers.at(-1);
    if (!read) return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.timeoutMs);
    });
    try {
      return await Promise.race([read(), timeout]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
