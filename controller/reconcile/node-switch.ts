// What the controller holds for one node: its OVSDB client and vSwitch driver, and, once the node's bridge has dialed
// in, its OpenFlow session with its flow and group syncs. The reconciler owns these; nothing else
// talks to the node.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { OPEN_VSWITCH_TABLES, type OpenVswitchTables } from '../../protocols/ovsdb/index.js';
import {
  FlowSync,
  GroupSync,
  type CookieOwnership,
  type SwitchSession,
} from '../../southbound/openflow/index.js';
import { OvsdbClient, VSwitchDriver, profileFor, type TlsFiles } from '../../southbound/ovsdb/index.js';
import type { Node } from '../model/types.js';
import type { NodeContext } from '../pipeline/index.js';

/** The datapath id a node's bridge gets: pinned in the model, or derived from the node's id (stable, 16 hex). */
export function datapathIdOf(node: Node): string {
  if (node.datapathId) return node.datapathId;
  return createHash('sha256').update(`sdn-node:${node.id}`).digest('hex').slice(0, 16);
}

export class NodeSwitch {
  readonly log: Logger;
  ovsdb: OvsdbClient<OpenVswitchTables> | undefined;
  driver: VSwitchDriver | undefined;
  session: SwitchSession | undefined;
  flowSync: FlowSync | undefined;
  groupSync: GroupSync | undefined;
  /** Why the node is not ready, for /api/v1/nodes and the dashboard. */
  problem: string | undefined = 'not reconciled yet';
  /** Endpoint ports the last run could not attach (port name -> why); each fails only its own endpoint's ADD. */
  readonly portErrors = new Map<string, string>();
  /** Flows the switch refused in the last run (each logged with its error). */
  rejectedFlows = 0;
  /**
   * The context of the last full compile, with the pods added since admitted into it: what the per-pod path adds
   * to. Undefined whenever it may no longer match the model and the switch (then the next run compiles in full).
   */
  context: NodeContext | undefined;
  private sessionWaiters: ((s: SwitchSession) => void)[] = [];

  constructor(
    readonly node: Node,
    readonly dpid: string,
    log: Logger,
    /** Key, certificate and CA for nodes registered with an ssl: OVSDB target. */
    private readonly ovsdbTls?: TlsFiles,
  ) {
    this.log = log.child({ node: node.name, dpid });
  }

  /** Opens the OVSDB client (which then reconnects by itself) the first time it is needed. */
  async ensureOvsdb(): Promise<VSwitchDriver> {
    if (this.driver && this.ovsdb) {
      if (this.ovsdb.state !== 'monitoring') await this.ovsdb.ready(10_000);
      return this.driver;
    }
    this.ovsdb = await OvsdbClient.open({
      target: this.node.ovsdb,
      database: 'Open_vSwitch',
      tables: OPEN_VSWITCH_TABLES,
      log: this.log,
      backoffMs: { initial: 100, max: 2000 },
      ...(this.ovsdbTls ? { tls: this.ovsdbTls } : {}),
    });
    this.driver = new VSwitchDriver(this.ovsdb, profileFor(this.node.vswitch));
    return this.driver;
  }

  attachSession(session: SwitchSession, ownership: CookieOwnership): void {
    this.session = session;
    this.flowSync = new FlowSync(session, { ownership, log: this.log });
    this.groupSync = new GroupSync(session);
    this.context = undefined;
    for (const w of this.sessionWaiters.splice(0)) w(session);
    session.once('close', () => {
      if (this.session === session) {
        this.session = undefined;
        this.flowSync = undefined;
        this.groupSync = undefined;
        this.context = undefined;
      }
    });
  }

  /** The live OpenFlow session, waiting up to `timeoutMs` for the bridge to dial in. */
  async waitForSession(timeoutMs: number): Promise<SwitchSession | undefined> {
    if (this.session) return this.session;
    if (timeoutMs <= 0) return undefined;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sessionWaiters = this.sessionWaiters.filter((w) => w !== done);
        resolve(undefined);
      }, timeoutMs);
      const done = (s: SwitchSession): void => {
        clearTimeout(timer);
        resolve(s);
      };
      this.sessionWaiters.push(done);
    });
  }

  close(): void {
    this.session?.close('node removed from the model');
    this.ovsdb?.close();
    this.ovsdb = undefined;
    this.driver = undefined;
  }
}
