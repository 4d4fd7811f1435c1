// A minimal QMP client (QEMU's JSON machine protocol on a Unix socket): what the boot tests need to
// press keys on the guest's keyboard (send-key) and read its screen (screendump).
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class Qmp {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('QMP connection closed'));
      this.pending.clear();
    });
  }

  /** Connects once QEMU has made the socket, and leaves capabilities negotiation done. */
  static async connect(path: string, timeoutMs = 30_000): Promise<Qmp> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(path)) {
        const socket = await new Promise<Socket | undefined>((resolve) => {
          const s = createConnection(path, () => resolve(s));
          s.once('error', () => resolve(undefined));
        });
        if (socket) {
          const qmp = new Qmp(socket);
          await qmp.execute('qmp_capabilities');
          return qmp;
        }
      }
      if (Date.now() > end) throw new Error(`no QMP socket at ${path}`);
      await sleep(100);
    }
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    const id = String(this.nextId++);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as { id?: string; return?: unknown; error?: { class: string; desc: string } };
      const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!p) continue; // the greeting and asynchronous events
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(`QMP ${msg.error.class}: ${msg.error.desc}`));
      else p.resolve(msg.return);
    }
  }
}
