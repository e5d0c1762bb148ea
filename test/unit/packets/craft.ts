// Test-only frame surgery on captured frames, written apart from the production writers.

const ETH = 14;

/** Inserts an 802.1Q (or 802.1ad) tag after the MAC addresses. */
export function withVlan(frame: Buffer, vid: number, pcp = 0, tpid = 0x8100): Buffer {
  const tag = Buffer.from([tpid >> 8, tpid & 0xff, (pcp << 5) | (vid >> 8), vid & 0xff]);
  return Buffer.concat([frame.subarray(0, 12), tag, frame.subarray(12)]);
}

/**
 * Puts IPv6 extension headers (given as whole headers whose first byte is a placeholder for Next Header)
 * between the fixed header and the upper layer of an untagged IPv6 frame, chaining the Next Header values.
 */
export function withIpv6Extensions(frame: Buffer, exts: { type: number; bytes: Buffer }[]): Buffer {
  const ip = ETH;
  const upper = frame[ip + 6];
  const chain = exts.map((e, i) => {
    const b = Buffer.from(e.bytes);
    b[0] = i + 1 < exts.length ? exts[i + 1].type : upper;
    return b;
  });
  const out = Buffer.concat([frame.subarray(0, ip + 40), ...chain, frame.subarray(ip + 40)]);
  out[ip + 6] = exts[0].type;
  out.writeUInt16BE(frame.readUInt16BE(ip + 4) + chain.reduce((n, b) => n + b.length, 0), ip + 4);
  return out;
}

export const ext = {
  /** Hop-by-Hop with one PadN filling 6 bytes. */
  hopByHop: { type: 0, bytes: Buffer.from([0, 0, 1, 4, 0, 0, 0, 0]) },
  /** Routing header type 4 (SRH-like shape), no segments left: 8 bytes. */
  routing: { type: 43, bytes: Buffer.from([0, 0, 4, 0, 0, 0, 0, 0]) },
  /** Destination Options, 16 bytes (Hdr Ext Len 1). */
  destination: { type: 60, bytes: Buffer.from([0, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) },
  fragment(offset: number, more: boolean, id: number) {
    const b = Buffer.alloc(8);
    b.writeUInt16BE((offset & 0xfff8) | (more ? 1 : 0), 2);
    b.writeUInt32BE(id, 4);
    return { type: 44, bytes: b };
  },
};
