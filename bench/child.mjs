// Children of the bench: a peer or a measurement in its own process, its result the last line
// of its stdout as JSON. Shared by run.mjs and the sections.
import { execFileSync } from 'node:child_process';

/** Debian's Python, the one with python3-sklearn. */
export const PYTHON = '/usr/bin/python3';

/**
 * The environment for scikit-learn: without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some
 * machines set, so that OpenBLAS picks its own (faster) kernel: the peer at its best.
 */
export function sklearnEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * Runs cmd argv and returns the last line of its stdout as JSON, or { error } with the child's
 * error line (or its last lines) when it fails or times out.
 */
export function runJson(cmd, argv, { timeout = 0, stderr = 'pipe', env = cmd === PYTHON ? sklearnEnv() : process.env } = {}) {
  try {
    const out = execFileSync(cmd, argv, { encoding: 'utf8', timeout, env, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', stderr] });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (err) {
    const lines = (err.stderr || err.stdout || err.message || String(err)).toString().trim().split('\n');
    const detail = lines.map((l) => l.trim()).find((l) => /^\w*Error\b.*?:/.test(l)) ?? lines.slice(-3).join(' | ');
    return { error: err.signal ? `${err.signal} (timeout ${timeout / 1000} s?) ${detail}` : detail.trim() };
  }
}
