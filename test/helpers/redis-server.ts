// A private redis-server for the distributed tests: Debian's redis-server on a free port of
// 127.0.0.1 (never another address), without persistence, stopped by the test that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  stop(): Promise<void>;
}

/** A port of 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether Debian's redis-server is installed (.ci/run installs it). */
export function redisServerPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    const p = path.join(dir, 'redis-server');
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Starts redis-server on a free loopback port; retries when the port was taken meanwhile. */
export async function startRedis(): Promise<RedisServer> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      bin,
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'],
      // (Not under the sanitizers' runtime that test:sanitize preloads into node.)
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LD_PRELOAD: '' } },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
      });
      child.once('exit', () => resolve(false));
    });
    if (ready) return { host: '127.0.0.1', port, stop: () => stop(child, dir) };
    if (attempt >= 4) throw new Error(`redis-server did not start on 127.0.0.1 (5 attempts)`);
  }
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
