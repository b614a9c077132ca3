/**
 * A one-line progress display on stderr, drawn only when stderr is a terminal (so a piped or
 * redirected run stays quiet), and redrawn at most ten times a second.
 */
export class Progress {
  readonly #on: boolean;
  #last = 0;
  #shown = false;

  constructor(enabled = true) {
    this.#on = enabled && process.stderr.isTTY === true;
  }

  get enabled(): boolean {
    return this.#on;
  }

  /** Redraws the line (throttled unless `force`). */
  update(text: string, force = false): void {
    if (!this.#on) return;
    const now = Date.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const width = process.stderr.columns || 100;
    process.stderr.write(`\r\x1b[2K${text.slice(0, Math.max(10, width - 1))}`);
    this.#shown = true;
  }

  /** Clears the line. */
  done(): void {
    if (this.#on && this.#shown) process.stderr.write('\r\x1b[2K');
    this.#shown = false;
  }
}
