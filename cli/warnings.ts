/**
 * The library's warnings (not converged, few distinct points, ...) as the command's own lines on
 * stderr, `gaussmix CMD: warning: ...`, each distinct message once with how many fits gave it,
 * instead of Node's process warnings (with their pid and --trace-warnings hint).
 */
export class WarningLog {
  readonly #command: string;
  readonly #seen = new Map<string, number>();

  constructor(command: string) {
    this.#command = command;
  }

  /** The estimators' `warnings` option. */
  readonly collect = (w: Error): void => {
    this.#seen.set(w.message, (this.#seen.get(w.message) ?? 0) + 1);
  };

  /** Writes what was collected (once) and forgets it. */
  deliver(): void {
    for (const [message, times] of this.#seen) {
      process.stderr.write(`gaussmix ${this.#command}: warning: ${message}${times > 1 ? ` (${times} fits)` : ''}\n`);
    }
    this.#seen.clear();
  }
}
