// CNI spec versions this plugin speaks, and the version rules the spec ties to verbs.

/** Oldest first. 0.3.x/0.4.0 results differ from 1.x only by `ips[].version`; 1.1.0 adds STATUS, GC and mtu fields. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The version the plugin reports when the request names none it knows. */
export const NEWEST_VERSION: CniVersion = '1.1.0';

export function isSupportedVersion(v: string): v is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** Compares dotted versions numerically ("0.10.0" > "0.4.0"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** 0.x results carry `ips[].version` ("4" | "6"); it was removed in 1.0.0. */
export function resultHasIpVersion(v: CniVersion): boolean {
  return compareVersions(v, '1.0.0') < 0;
}

/** Interface `mtu` and the route fields mtu/advmss/priority/table/scope exist from 1.1.0 on. */
export function resultHasMtuFields(v: CniVersion): boolean {
  return compareVersions(v, '1.1.0') >= 0;
}
