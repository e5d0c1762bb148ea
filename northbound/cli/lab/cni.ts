// Runs the real CNI plugin (`sdn-cni`) the way a container runtime does: env parameters, config on stdin, result
// or error JSON on stdout (../shared/CNI-CONTRACT.md).
import { dirname } from 'node:path';
import { CommandError, run } from './exec';
import { isRow, type Row } from './api';

export interface CniCall {
  plugin: string;
  command: 'ADD' | 'DEL' | 'CHECK';
  containerId: string;
  netns: string;
  ifname: string;
  podNamespace: string;
  podName: string;
  agentSocket: string;
  prevResult?: Row;
  timeoutMs?: number;
}

export const CNI_VERSION = '1.1.0';
export const CNI_NETWORK = 'sdn';

/** Returns the parsed ADD result (an empty object for DEL/CHECK); throws with the plugin's error message. */
export async function runCni(call: CniCall): Promise<Row> {
  const config: Row = {
    cniVersion: CNI_VERSION,
    name: CNI_NETWORK,
    type: 'sdn-cni',
    agentSocket: call.agentSocket,
  };
  if (call.prevResult) config.prevResult = call.prevResult;
  const env = {
    ...process.env,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: `/run/netns/${call.netns}`,
    CNI_IFNAME: call.ifname,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${call.podNamespace};K8S_POD_NAME=${call.podName}`,
    CNI_PATH: dirname(call.plugin),
  };
  let stdout: string;
  try {
    stdout = await run(call.plugin, [], {
      env,
      input: JSON.stringify(config),
      timeoutMs: call.timeoutMs ?? 60_000,
    });
  } catch (err) {
    if (err instanceof CommandError) {
      const parsed = parseJson(err.stdout);
      const msg = isRow(parsed)
        ? `code ${String(parsed.code)}: ${String(parsed.msg)}${parsed.details ? ` (${String(parsed.details)})` : ''}`
        : err.message;
      throw new Error(`CNI ${call.command} of ${call.podNamespace}/${call.podName}: ${msg}`);
    }
    throw err;
  }
  const parsed = parseJson(stdout);
  if (call.command === 'ADD' && !isRow(parsed)) {
    throw new Error(
      `CNI ADD of ${call.podNamespace}/${call.podName} printed no result: ${stdout.slice(0, 200)}`,
    );
  }
  return isRow(parsed) ? parsed : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The pod's eth0 MAC, its addresses (bare and with prefix) and gateways, from a CNI result. */
export function summarizeResult(
  result: Row,
  ifname: string,
): { mac: string; cidrs: string[]; gateways: string[] } {
  const interfaces = Array.isArray(result.interfaces) ? result.interfaces.filter(isRow) : [];
  const podIf = interfaces.findIndex(
    (i) => i.name === ifname && typeof i.sandbox === 'string' && i.sandbox !== '',
  );
  const ips = Array.isArray(result.ips) ? result.ips.filter(isRow) : [];
  const mine = ips.filter((ip) => ip.interface === undefined || ip.interface === podIf);
  return {
    mac: podIf >= 0 ? String(interfaces[podIf].mac ?? '') : '',
    cidrs: mine.map((ip) => String(ip.address)),
    gateways: mine.map((ip) => ip.gateway).filter((g): g is string => typeof g === 'string'),
  };
}
