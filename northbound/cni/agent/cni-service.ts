// The six CNI verbs as the agent performs them: node-local veth work (NodeNet) around the controller's
// /cni/v1 calls, one operation at a time per container. Every failure is a CniFailure with a code and a fix.
import type { Logger } from 'pino';
import {
  CniCode,
  resultJson,
  SUPPORTED_VERSIONS,
  type CniEnv,
  type CniResult,
  type CniVersion,
  type NetConf,
} from '../../../protocols/cni/index.js';
import type { ControllerClient } from './controller-client.js';
import { CniFailure, messageOf } from './failure.js';
import { HOST_IFNAME, hostIfName, randomHostMac } from './host-ifname.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { NodeNet, PendingAttach, VethSpec } from './node-net.js';

type Env<C extends CniEnv['command']> = Extract<CniEnv, { command: C }>;

export class CniService {
  private readonly locks = new KeyedMutex();
  /** Last MTU the controller gave per configured network name ('' = its default). */
  private readonly lastMtu = new Map<string, number>();

  constructor(
    private readonly net: NodeNet,
    private readonly controller: ControllerClient,
    private readonly log: Logger,
  ) {}

  version(v: CniVersion): Record<string, unknown> {
    return { cniVersion: v, supportedVersions: SUPPORTED_VERSIONS };
  }

  add(env: Env<'ADD'>, conf: NetConf): Promise<Record<string, unknown>> {
    return this.locks.run(env.containerId, () => this.addLocked(env, conf));
  }

  private async addLocked(env: Env<'ADD'>, conf: NetConf): Promise<Record<string, unknown>> {
    const { containerId, ifname, netns } = env;
    const t0 = performance.now();
    const ms = (): number => Math.round((performance.now() - t0) * 10) / 10;
    await this.net.checkPodNetns(netns);

    const hostName = hostIfName(containerId, ifname);
    const hostMac = randomHostMac();
    // Made with the MTU this network had last time, so that setting it after the answer is rarely needed.
    const networkKey = conf.network ?? '';
    const guessMtu = conf.mtu ?? this.lastMtu.get(networkKey) ?? 1500;
    const pending = await this.startAttach({ netns, ifname, hostName, hostMac, mtu: guessMtu });
    const vethMs = ms();
    let attached = false;
    try {
      const ips = [...new Set([...env.args.ips, ...conf.ips])];
      // The controller attaches the host end and waits for its flows; the pod end is prepared meanwhile.
      const answer = await this.controller.add({
        containerId,
        ifname,
        netns,
        hostIfName: hostName,
        ...(env.args.k8sNamespace && { k8sNamespace: env.args.k8sNamespace }),
        ...(env.args.k8sPodName && { k8sPodName: env.args.k8sPodName }),
        ...(conf.network && { network: conf.network }),
        ...(ips.length > 0 && { ips }),
        ...((env.args.mac ?? conf.mac) && { mac: env.args.mac ?? conf.mac }),
      });
      attached = true;
      const controllerMs = ms();
      const mtu = conf.mtu ?? answer.mtu;
      this.lastMtu.set(networkKey, answer.mtu);
      await Promise.all([
        pending.apply({
          mac: answer.mac,
          mtu,
          addresses: answer.ips.map((i) => i.address),
          routes: answer.routes,
        }),
        mtu !== guessMtu ? this.net.setHostMtu(hostName, mtu) : undefined,
      ]).catch((e: unknown) => {
        throw CniFailure.of(CniCode.Internal, `configuring ${ifname} in ${netns}: ${messageOf(e)}`);
      });
      const result: CniResult = {
        interfaces: [
          { name: hostName, mac: hostMac, mtu },
          { name: ifname, mac: answer.mac, sandbox: netns, mtu },
        ],
        ips: answer.ips.map((i) => ({ address: i.address, gateway: i.gateway, interface: 1 })),
        routes: answer.routes,
        dns: { ...answer.dns, ...conf.dns },
      };
      this.log.info(
        {
          containerId,
          ifname,
          host: hostName,
          ips: answer.ips.map((i) => i.address),
          ms: { veth: vethMs, controller: controllerMs, done: ms() },
        },
        'attached',
      );
      return resultJson(conf.cniVersion, result);
    } catch (e) {
      pending.cancel();
      // Leave nothing half-made: the runtime DELs after a failed ADD, but it may not (or may time out first).
      await this.net.deleteHostLink(hostName).catch(() => undefined);
      if (attached) await this.controller.del({ containerId, ifname }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Creates the veth; when a name is taken, finds out where. CNI_IFNAME in the pod: an error (the spec's
   * "interface exists"), unless it is a veth still down, which is what an ADD interrupted by a crash leaves
   * (our ADD brings the pod side up last). Otherwise the host end is a leftover of such an ADD: replace it.
   */
  private async startAttach(v: VethSpec): Promise<PendingAttach> {
    const fail = (e: unknown): never => {
      throw CniFailure.of(CniCode.Internal, messageOf(e));
    };
    const first = await this.net.startAttach(v).catch(fail);
    if (first !== 'exists') return first;
    const existing = await this.net.podLink(v.netns, v.ifname);
    if (existing && (existing.kind !== 'veth' || existing.up)) {
      throw CniFailure.of(
        CniCode.InterfaceExists,
        `${v.ifname} already exists in ${v.netns}; DEL this attachment first, or use another CNI_IFNAME`,
      );
    }
    this.log.warn(
      { ifname: v.ifname, host: v.hostName },
      'replacing a half-made veth left by an interrupted ADD',
    );
    if (existing) await this.net.deletePodLink(v.netns, v.ifname);
    await this.net.deleteHostLink(v.hostName);
    const second = await this.net.startAttach(v).catch(fail);
    if (second === 'exists') {
      throw CniFailure.of(
        CniCode.Internal,
        `${v.hostName}/${v.ifname}: a name is still taken after removing leftovers`,
      );
    }
    return second;
  }

  del(env: Env<'DEL'>): Promise<void> {
    return this.locks.run(env.containerId, () => this.delLocked(env));
  }

  /**
   * Removes the veth (if the netns is gone, the kernel already did) and releases the controller's attachment,
   * side by side. A controller that is down fails the DEL with 11: the runtime retries, so nothing leaks.
   */
  private async delLocked(env: Env<'DEL'>): Promise<void> {
    const { containerId, ifname, netns } = env;
    const hostName = hostIfName(containerId, ifname);
    const t0 = performance.now();
    // Independent: the controller detaches the port whether or not the device is still there.
    const released = this.controller.del({ containerId, ifname });
    released.catch(() => undefined); // awaited below
    try {
      const hadHost = await this.net.deleteHostLink(hostName);
      if (!hadHost && netns && (await this.net.netnsExists(netns))) {
        const link = await this.net.podLink(netns, ifname);
        if (link?.kind === 'veth') await this.net.deletePodLink(netns, ifname);
      }
    } catch (e) {
      await released.catch(() => undefined);
      throw e;
    }
    const vethMs = Math.round((performance.now() - t0) * 10) / 10;
    await released;
    const ms = { veth: vethMs, done: Math.round((performance.now() - t0) * 10) / 10 };
    this.log.info({ containerId, ifname, host: hostName, ms }, 'detached');
  }

  check(env: Env<'CHECK'>, conf: NetConf): Promise<void> {
    return this.locks.run(env.containerId, () => this.checkLocked(env, conf));
  }

  private async checkLocked(env: Env<'CHECK'>, conf: NetConf): Promise<void> {
    const { containerId, ifname, netns } = env;
    const prev = conf.prevResult;
    if (!prev) throw CniFailure.of(CniCode.InvalidConfig, 'CHECK needs prevResult');
    await this.net.checkPodNetns(netns);
    const failed = (what: string): CniFailure =>
      CniFailure.of(CniCode.CheckFailed, `${containerId}/${ifname}: ${what}; delete and recreate the pod`);

    const answer = await this.controller.check({ containerId, ifname });
    if (!answer) throw failed('the controller has no such attachment');

    const podIndex = prev.interfaces.findIndex((i) => i.name === ifname && i.sandbox !== undefined);
    if (podIndex < 0) throw failed(`prevResult lists no interface ${ifname} with a sandbox`);
    const podIf = prev.interfaces[podIndex];
    const state = await this.net.podState(netns, ifname);
    if (!state) throw failed(`${ifname} is missing from ${netns}`);
    if (!state.link.up) throw failed(`${ifname} is down`);
    if (podIf?.mac && state.link.mac?.toLowerCase() !== podIf.mac.toLowerCase()) {
      throw failed(`${ifname} has MAC ${state.link.mac}, prevResult says ${podIf.mac}`);
    }
    for (const ip of prev.ips) {
      if (ip.interface !== undefined && ip.interface !== podIndex) continue;
      if (!state.addresses.includes(ip.address))
        throw failed(`address ${ip.address} is missing from ${ifname}`);
    }
    for (const r of prev.routes) {
      const found = state.routes.some((s) => s.dst === r.dst && (r.gw === undefined || s.gw === r.gw));
      if (!found) throw failed(`route ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing from ${ifname}`);
    }
    for (const ip of answer.ips) {
      if (!state.addresses.includes(ip.address))
        throw failed(`controller address ${ip.address} is not on ${ifname}`);
    }
    const hostName = hostIfName(containerId, ifname);
    const hostUp = await this.net.hostLinkUp(hostName);
    if (hostUp === undefined) throw failed(`host end ${hostName} is missing`);
    if (!hostUp) throw failed(`host end ${hostName} is down`);
  }

  /**
   * Releases what the runtime no longer lists: the controller's allocations, then host veth ends whose
   * attachment is not valid. Goes on past errors and reports them all at the end (SPEC.md GC).
   */
  async gc(conf: NetConf): Promise<void> {
    const errors: string[] = [];
    let transient = false;
    try {
      const released = await this.controller.gc(conf.validAttachments);
      this.log.info({ released: released.length }, 'controller released stale attachments');
    } catch (e) {
      transient ||= e instanceof CniFailure && e.error.code === CniCode.TryAgainLater;
      errors.push(messageOf(e));
    }
    const keep = new Set(conf.validAttachments.map((a) => hostIfName(a.containerId, a.ifname)));
    try {
      for (const name of await this.net.hostVeths()) {
        if (!HOST_IFNAME.test(name) || keep.has(name)) continue;
        await this.net.deleteHostLink(name).catch((e: unknown) => errors.push(messageOf(e)));
        this.log.info({ host: name }, 'removed a stale host veth');
      }
    } catch (e) {
      errors.push(messageOf(e));
    }
    if (errors.length > 0) {
      throw CniFailure.of(transient ? CniCode.TryAgainLater : CniCode.Internal, `GC: ${errors.join('; ')}`);
    }
  }

  async status(): Promise<void> {
    const s = await this.controller.status();
    if (!s.ready) {
      throw CniFailure.of(
        CniCode.NotAvailable,
        `${s.reason}; pods cannot be added until the controller is back`,
      );
    }
  }
}
