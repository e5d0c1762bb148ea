// Conformance against Ryu's OpenFlow 1.3 test vectors (../shared/conformance/ryu-of13, beside the checkout):
// every packet decodes, has the type and xid Ryu names, the same field values as Ryu's JSON decoding (mapped from
// Ryu's snake_case names to ours), and re-encodes to the identical bytes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decode, encode, type OfpMessage } from '../../protocols/openflow13/index.js';
import { parseJsonBigInt, type JsonValue } from '../support/json-bigint.js';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
// ../shared/conformance beside the checkout; a git worktree one level deeper (wt/<name>) looks one more level up.
const candidates = [
  path.resolve(repoRoot, '..', 'shared', 'conformance'),
  path.resolve(repoRoot, '..', '..', 'shared', 'conformance'),
];
const conformanceDir = candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
const vectors = path.join(conformanceDir, 'ryu-of13');

/** Ryu's top-level class -> our `type` (and multipart `kind`). */
const RYU_CLASSES: Record<string, readonly [OfpMessage['type'], string?]> = {
  OFPHello: ['hello'],
  OFPErrorMsg: ['error'],
  OFPEchoRequest: ['echoRequest'],
  OFPEchoReply: ['echoReply'],
  OFPExperimenter: ['experimenter'],
  OFPFeaturesRequest: ['featuresRequest'],
  OFPSwitchFeatures: ['featuresReply'],
  OFPGetConfigRequest: ['getConfigRequest'],
  OFPGetConfigReply: ['getConfigReply'],
  OFPSetConfig: ['setConfig'],
  OFPPacketIn: ['packetIn'],
  OFPFlowRemoved: ['flowRemoved'],
  OFPPortStatus: ['portStatus'],
  OFPPacketOut: ['packetOut'],
  OFPFlowMod: ['flowMod'],
  OFPGroupMod: ['groupMod'],
  OFPPortMod: ['portMod'],
  OFPTableMod: ['tableMod'],
  OFPBarrierRequest: ['barrierRequest'],
  OFPBarrierReply: ['barrierReply'],
  OFPQueueGetConfigRequest: ['queueGetConfigRequest'],
  OFPQueueGetConfigReply: ['queueGetConfigReply'],
  OFPRoleRequest: ['roleRequest'],
  OFPRoleReply: ['roleReply'],
  OFPGetAsyncRequest: ['getAsyncRequest'],
  OFPGetAsyncReply: ['getAsyncReply'],
  OFPSetAsync: ['setAsync'],
  OFPMeterMod: ['meterMod'],
  OFPDescStatsRequest: ['multipartRequest', 'desc'],
  OFPDescStatsReply: ['multipartReply', 'desc'],
  OFPFlowStatsRequest: ['multipartRequest', 'flow'],
  OFPFlowStatsReply: ['multipartReply', 'flow'],
  OFPAggregateStatsRequest: ['multipartRequest', 'aggregate'],
  OFPTableStatsReply: ['multipartReply', 'table'],
  OFPPortStatsRequest: ['multipartRequest', 'portStats'],
  OFPPortStatsReply: ['multipartReply', 'portStats'],
  OFPQueueStatsRequest: ['multipartRequest', 'queue'],
  OFPGroupStatsReply: ['multipartReply', 'group'],
  OFPGroupDescStatsRequest: ['multipartRequest', 'groupDesc'],
  OFPGroupDescStatsReply: ['multipartReply', 'groupDesc'],
  OFPGroupFeaturesStatsRequest: ['multipartRequest', 'groupFeatures'],
  OFPMeterStatsReply: ['multipartReply', 'meter'],
  OFPMeterConfigStatsRequest: ['multipartRequest', 'meterConfig'],
  OFPMeterConfigStatsReply: ['multipartReply', 'meterConfig'],
  OFPMeterFeaturesStatsRequest: ['multipartRequest', 'meterFeatures'],
  OFPTableFeaturesStatsReply: ['multipartReply', 'tableFeatures'],
  OFPPortDescStatsRequest: ['multipartRequest', 'portDesc'],
  OFPPortDescStatsReply: ['multipartReply', 'portDesc'],
  ONFFlowMonitorStatsRequest: ['multipartRequest', 'experimenter'],
};

/** Ryu key -> our key where snake_case -> camelCase is not enough. */
const KEY_ALIASES: Record<string, readonly string[]> = {
  oxm_fields: ['match'],
  desc: ['port'],
  body: ['stats', 'ports', 'groups', 'configs', 'tables'],
  instruction_ids: ['ids'],
  action_ids: ['ids'],
  oxm_ids: ['oxmIds'],
  table_ids: ['tableIds'],
  bucket_stats: ['bucketStats'],
  band_stats: ['bandStats'],
  properties: ['properties'],
  ofs: ['ofs'],
  n_bits: ['nbits'],
  alg: ['alg'],
  zone_src: ['zone'],
  cnt_ids: ['controllerIds'],
  burst_size: ['burstSize'],
  prec_level: ['precLevel'],
  len: [],
  length: [],
  experimenter_id: [],
};

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Field names: Ryu spells NXM duplicates `<name>_nxm` as we do, and NXM_NX_TUN_ID `tunnel_id_nxm` (ours `tun_id`). */
function fieldName(n: string): string {
  if (n === 'tunnel_id_nxm' || n === 'tun_id') return 'tunnel_id';
  return n.replace(/_nxm$/, '');
}

interface Tally {
  compared: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Recursively check every Ryu field that has a counterpart in our value. */
function compare(ryu: JsonValue, ours: unknown, where: string, t: Tally): void {
  if (isRecord(ryu)) {
    const keys = Object.keys(ryu);
    // A typed wrapper: { "OFPActionOutput": { ... } }.
    if (keys.length === 1 && /^[A-Z]/.test(keys[0])) {
      const cls = keys[0];
      const inner = ryu[cls];
      if (cls === 'OFPMatch' && isRecord(inner)) return compare(inner.oxm_fields, ours, `${where}.match`, t);
      if (cls === 'OXMTlv' && isRecord(inner)) return compareOxm(inner, ours, where, t);
      if (cls === 'NXActionUnknown' && isRecord(inner) && isRecord(ours) && ours.data instanceof Uint8Array) {
        // Ryu splits the subtype off the data; we keep every byte after the experimenter id.
        const data = Buffer.from(ours.data);
        compare(inner.subtype, data.readUInt16BE(0), `${where}.subtype`, t);
        compare(inner.data, data.subarray(2), `${where}.data`, t);
        return compare(inner.experimenter, ours.experimenter, `${where}.experimenter`, t);
      }
      if (
        cls === 'OFPHelloElemVersionBitmap' &&
        isRecord(inner) &&
        isRecord(ours) &&
        Array.isArray(ours.bitmaps)
      ) {
        const versions: number[] = [];
        (ours.bitmaps as number[]).forEach((word, w) => {
          for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) versions.push(32 * w + bit);
        });
        return compare(inner.versions, versions, `${where}.versions`, t);
      }
      // Ryu's packet library view of packet-out data: the bytes themselves are checked by the re-encoding.
      if (cls === 'Packet' && ours instanceof Uint8Array) return;
      return compare(inner, ours, `${where}<${cls}>`, t);
    }
    if (!isRecord(ours)) {
      if (ours !== undefined && keys.length > 0)
        assert.fail(`${where}: Ryu has an object, we have ${String(ours)}`);
      return;
    }
    for (const k of keys) {
      const rv = ryu[k];
      if (k === 'type' && typeof rv === 'number') {
        // Ryu's numeric type: ours is a string discriminant, except for group and error types.
        if (typeof ours.groupType === 'number') compare(rv, ours.groupType, `${where}.groupType`, t);
        else if (typeof ours.errType === 'number') compare(rv, ours.errType, `${where}.errType`, t);
        continue;
      }
      const candidates = KEY_ALIASES[k] ?? [camel(k)];
      const ourKey = candidates.find((c) => c in ours);
      if (ourKey === undefined) continue;
      compare(rv, ours[ourKey], `${where}.${ourKey}`, t);
    }
    return;
  }
  if (Array.isArray(ryu)) {
    if (isRecord(ours) && 'field' in ours && ryu.length === 2 && typeof ryu[0] === 'string') {
      // A learn spec operand: ["eth_src_nxm", 0] is { field, ofs }.
      assert.equal(fieldName(String(ours.field)), fieldName(ryu[0]), `${where}.field`);
      compare(ryu[1], ours.ofs, `${where}.ofs`, t);
      t.compared++;
      return;
    }
    if (ours instanceof Uint8Array) {
      // Ryu reads table-feature experimenter data as 32-bit words.
      const buf = Buffer.from(ours);
      const words =
        ryu.length * 4 === buf.length
          ? Array.from({ length: ryu.length }, (_, i) => buf.readUInt32BE(4 * i))
          : Array.from(buf);
      assert.deepEqual(words, ryu.map(Number), where);
      t.compared++;
      return;
    }
    assert.ok(Array.isArray(ours), `${where}: Ryu has a list, we have ${typeof ours}`);
    assert.equal(ours.length, ryu.length, `${where}: list length`);
    ryu.forEach((r, i) => compare(r, (ours as unknown[])[i], `${where}[${i}]`, t));
    return;
  }
  if (typeof ryu === 'number' || typeof ryu === 'bigint') {
    if (isRecord(ours) && 'imm' in ours) return compare(ryu, ours.imm, where, t);
    if (isRecord(ours) && 'value' in ours) return compare(ryu, ours.value, where, t);
    assert.ok(
      typeof ours === 'number' || typeof ours === 'bigint' || typeof ours === 'boolean',
      `${where}: Ryu has ${ryu}, we have ${String(ours)}`,
    );
    assert.equal(BigInt(ours === true ? 1 : ours === false ? 0 : ours), BigInt(ryu), where);
    t.compared++;
    return;
  }
  if (typeof ryu === 'boolean') {
    assert.equal(ours, ryu, where);
    t.compared++;
    return;
  }
  if (typeof ryu === 'string') {
    if (ours instanceof Uint8Array) assert.equal(Buffer.from(ours).toString('base64'), ryu, where);
    else if (isRecord(ours) && isRecord(ours.field))
      assert.equal(fieldName(String(ours.field.field)), fieldName(ryu), where);
    else if (isRecord(ours) && 'field' in ours)
      assert.equal(fieldName(String(ours.field)), fieldName(ryu), where);
    else if (typeof ours === 'string') assert.equal(ours, ryu, where);
    else if (ryu === '' && (ours === undefined || (isRecord(ours) && 'imm' in ours))) return;
    else assert.fail(`${where}: Ryu has "${ryu}", we have ${String(ours)}`);
    t.compared++;
  }
}

function compareOxm(ryu: Record<string, JsonValue>, ours: unknown, where: string, t: Tally): void {
  assert.ok(isRecord(ours), `${where}: expected an OXM field`);
  const name = String(ryu.field);
  if (name === 'pbb_uca') {
    // ONF experimenter OXM (EXT-256): exp_type 2560, one value byte; we keep it as an unknown TLV.
    assert.equal(ours.field, 'unknown', where);
    assert.equal(ours.experimenter, 0x4f4e4600, where);
    assert.deepEqual(Array.from(ours.value as Uint8Array), [0x0a, 0x00, Number(ryu.value)], where);
    t.compared++;
    return;
  }
  assert.equal(fieldName(String(ours.field)), fieldName(name), `${where}.field`);
  compare(ryu.value, ours.value, `${where}.${name}.value`, t);
  if (ryu.mask === null) assert.equal(ours.mask, undefined, `${where}.${name}.mask`);
  else compare(ryu.mask, ours.mask, `${where}.${name}.mask`, t);
}

describe('conformance: Ryu OpenFlow 1.3 vectors', () => {
  if (!fs.existsSync(path.join(vectors, 'packet'))) {
    it('finds the vectors', () => {
      assert.fail(
        `conformance vectors missing: expected ryu-of13/packet and /json under ${candidates.join(' or ')}`,
      );
    });
    return;
  }
  const files = fs
    .readdirSync(path.join(vectors, 'packet'))
    .filter((f) => f.endsWith('.packet'))
    .sort();

  it('has the whole corpus', () => {
    assert.ok(files.length >= 70, `only ${files.length} vectors`);
  });

  for (const file of files) {
    it(file, () => {
      const bytes = fs.readFileSync(path.join(vectors, 'packet', file));
      const json = parseJsonBigInt(fs.readFileSync(path.join(vectors, 'json', `${file}.json`), 'utf8'));
      assert.ok(isRecord(json));
      const [cls] = Object.keys(json);
      const expected = RYU_CLASSES[cls];
      assert.ok(expected, `no mapping for Ryu class ${cls}`);

      const r = decode(bytes);
      if (!r.ok) assert.fail(`decode failed at offset ${r.error.offset}: ${r.error.reason}`);
      const m = r.message;
      assert.equal(m.type, expected[0]);
      if (expected[1] !== undefined) assert.equal('kind' in m ? m.kind : undefined, expected[1]);
      assert.equal(m.xid, bytes.readUInt32BE(4));
      assert.equal(m.xid, 0);

      const t: Tally = { compared: 0 };
      compare(json[cls], m, cls, t);
      const body = json[cls];
      const ryuFields = isRecord(body)
        ? Object.keys(body).filter((k) => k !== 'len' && k !== 'length').length
        : 0;
      if (ryuFields > 0) assert.ok(t.compared > 0, 'no field of the Ryu decoding was compared');

      const again = encode(m);
      if (!again.equals(bytes)) {
        let i = 0;
        while (i < bytes.length && again[i] === bytes[i]) i++;
        assert.fail(`re-encoding differs at byte ${i} (${again.length} vs ${bytes.length} bytes)`);
      }
    });
  }

  it('rejects the truncated flow_mod (first 64 bytes of a 256-byte message) as truncated', () => {
    assert.ok(fs.existsSync(path.join(vectors, 'packet', 'libofproto-OFP13-flow_mod.truncated64')));
    const whole = fs.readFileSync(path.join(vectors, 'packet', 'libofproto-OFP13-flow_mod.packet'));
    const r = decode(whole.subarray(0, 64));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.error.reason, /truncated/);
      assert.equal(r.error.msgType, 14);
    }
  });
});
