// The reference the figures were measured with: a minimal persistent client. One socket, hand-written
// JSON for the same single-port transaction our driver sends, no schema, no monitor, no replica; a transaction
// resolves when its reply arrives. Run in the same bench against the same server, it separates what the server
// costs (and how that grows with the bridge) from what our client adds.
import { connect, type Socket } from 'node:net';
import { JsonStreamFramer } from '../../protocols/ovsdb';

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: unknown;
}

export class MinimalClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private readonly framer = new JsonStreamFramer();
  private seq = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      const framed = this.framer.push(chunk);
      for (const m of framed.messages as Reply[]) {
        const done = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        done?.(m);
      }
      if (!framed.ok) socket.destroy(new Error(framed.error));
    });
  }

  static async open(socketPath: string): Promise<MinimalClient> {
    const socket = connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new MinimalClient(socket);
  }

  private transact(ops: unknown[]): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => {
        const results = reply.result as { error?: string; details?: string }[] | null;
        const failed = results?.find((r) => r?.error);
        if (reply.error || failed) reject(new Error(JSON.stringify(reply.error ?? failed)));
        else resolve();
      });
      this.socket.write(JSON.stringify({ method: 'transact', params: ['Open_vSwitch', ...ops], id }));
    });
  }

  /** The driver's single-port transaction: insert Interface, insert Port, mutate Bridge.ports insert. */
  addPort(bridgeUuid: string): Promise<void> {
    const name = `mp${++this.seq}`;
    return this.transact([
      { op: 'insert', table: 'Interface', row: { name, type: 'internal' }, 'uuid-name': 'i' },
      { op: 'insert', table: 'Port', row: { name, interfaces: ['named-uuid', 'i'] }, 'uuid-name': 'p' },
      {
        op: 'mutate',
        table: 'Bridge',
        where: [['_uuid', '==', ['uuid', bridgeUuid]]],
        mutations: [['ports', 'insert', ['named-uuid', 'p']]],
      },
    ]);
  }

  close(): void {
    this.socket.destroy();
  }
}
