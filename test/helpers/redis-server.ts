// A private redis-server for the distributed tests: Debian's redis-server on a free port of
// 127.0.0.1 (never another address), without persistence (unless asked for an append-only file),
// stopped by the test that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /**
   * Stops the server (SIGTERM) and starts it again on the same port: empty, as after a restart
   * without persistence, unless started with `aof` (then it reloads its append-only file).
   */
  restart(): Promise<void>;
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

/** Starts redis-server on `port`: the process once it accepts connections, or undefined. */
async function spawnServer(bin: string, port: number, dir: string, aof: boolean): Promise<ChildProcess | undefined> {
  const child = spawn(
    bin,
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir, '--protected-mode', 'yes'],
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
  return ready ? child : undefined;
}

/**
 * Starts redis-server on a free loopback port; retries when the port was taken meanwhile.
 * @param options.aof - with an append-only file (fsync always): a restart keeps the data.
 */
export async function startRedis(options: { aof?: boolean } = {}): Promise<RedisServer> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const aof = options.aof === true;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    let child = await spawnServer(bin, port, dir, aof);
    if (child) {
      return {
        host: '127.0.0.1',
        port,
        restart: async () => {
          await stopChild(child as ChildProcess);
          child = await spawnServer(bin, port, dir, aof);
          if (!child) throw new Error(`redis-server did not start again on 127.0.0.1:${port}`);
        },
        stop: async () => {
          if (child) await stopChild(child);
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt >= 4) throw new Error(`redis-server did not start on 127.0.0.1 (5 attempts)`);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
