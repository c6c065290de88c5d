/** What every subscription returns: call it (or `dispose`) once to stop; a second call does nothing. */
export interface Disposable {
  dispose(): void | Promise<void>;
}
