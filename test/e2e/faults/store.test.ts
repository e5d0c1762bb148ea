// The store under faults (issue 11): SIGKILL of the controller in the middle of writes, again and again, must leave
// a database that passes the store's own check on open (integrity_check, foreign keys, model invariants); a
// database that does not pass is refused with the reason; a full disk is a 507 that says so, nothing is half-saved,
// and writes work again once there is room.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../controller/store/sqlite-store.js';
import { StoreInconsistentError } from '../../../controller/store/store.js';
import { ControllerProcess, request } from '../../support/controller-process.js';

const KILL_ROUNDS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writers that create and delete whole tenant trees (tenant, network, two subnets) as fast as the API allows. */
function churn(
  proc: ControllerProcess,
  token: string,
  writers: number,
  tag: string,
): { stop(): Promise<number> } {
  let running = true;
  let done = 0;
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const t = `${tag}-w${w}-${i}`;
      try {
        await request(proc.url, token, 'POST', '/api/v1/tenants', { name: t });
        await request(proc.url, token, 'POST', '/api/v1/networks', { tenant: t, name: `${t}-net` });
        await request(proc.url, token, 'POST', '/api/v1/subnets', {
          network: `${t}-net`,
          cidr: '10.1.0.0/24',
        });
        await request(proc.url, token, 'POST', '/api/v1/subnets', {
          network: `${t}-net`,
          cidr: 'fd00:1::/64',
        });
        done++;
      } catch {
        return; // the connection died with the process
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return done;
    },
  };
}

describe('e2e faults: the store under SIGKILL and a full disk', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), `sdnt-${process.pid}-store-`));
  let proc: ControllerProcess | undefined;
  const mnt = join(dir, 'small');
  after(async () => {
    await proc?.kill();
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    } catch {
      // not mounted
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${KILL_ROUNDS} SIGKILLs in the middle of writes with a consistent store each time`, async () => {
    const data = join(dir, 'kill');
    for (let round = 0; round < KILL_ROUNDS; round++) {
      proc = await new ControllerProcess(data).start();
      const writers = churn(proc, proc.adminToken(), 8, `r${round}`);
      await sleep(300 + round * 150);
      await proc.kill('SIGKILL');
      const trees = await writers.stop();
      const store = new SqliteStore(join(data, 'model.db')); // throws StoreInconsistentError if not
      assert.deepEqual(store.check(), []);
      const tenants = [...store.all('tenant')].filter((t) => t.name.startsWith(`r${round}-`));
      assert.ok(
        tenants.length >= trees,
        `round ${round}: ${trees} acknowledged trees, ${tenants.length} tenants kept`,
      );
      store.close();
    }
  });

  it('refuses to open a store whose rows break a model invariant, saying which', async () => {
    const data = join(dir, 'bad');
    proc = await new ControllerProcess(data).start();
    const admin = proc.adminToken();
    await request(proc.url, admin, 'POST', '/api/v1/tenants', { name: 't' });
    await proc.kill('SIGTERM');
    const db = new Database(join(data, 'model.db'));
    db.pragma('foreign_keys = OFF');
    db.prepare(
      "INSERT INTO networks (id, tenant_id, name, vni, doc) VALUES ('n-x', 'gone', 'x', 4242, '{}')",
    ).run();
    db.close();
    assert.throws(
      () => new SqliteStore(join(data, 'model.db')),
      (e: unknown) =>
        e instanceof StoreInconsistentError &&
        /networks row \d+ refers to a missing tenants row/.test(e.message),
    );
    await assert.rejects(new ControllerProcess(data).start(), /inconsistent/);
  });

  it('answers 507 on a full disk, keeps nothing half-saved, and writes again once there is room', async () => {
    mkdirSync(mnt, { recursive: true });
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    } catch {
      // a leftover from a killed run is gone now; nothing mounted is fine too
    }
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    proc = await new ControllerProcess(join(mnt, 'data')).start();
    const admin = proc.adminToken();
    // Fill the rest of the disk.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: that is the point
    }
    let full: { status: number; json: Record<string, unknown> } | undefined;
    const kept: string[] = [];
    for (let i = 0; i < 2000 && !full; i++) {
      const r = await request(proc.url, admin, 'POST', '/api/v1/tenants', { name: `full-${i}` });
      if (r.status === 201) kept.push(`full-${i}`);
      else full = r;
    }
    assert.ok(full, 'the disk never filled up');
    assert.equal(full.status, 507, JSON.stringify(full.json));
    assert.match(String(full.json.detail), /disk .* is full: nothing of this change was saved/);
    // Reads still work, and the refused tenant does not exist in memory either.
    const refused = `full-${kept.length}`;
    const list = await request(proc.url, admin, 'GET', '/api/v1/tenants');
    assert.equal(list.status, 200, 'reads still work');
    assert.doesNotMatch(
      JSON.stringify(list.json),
      new RegExp(`"${refused}"`),
      `${refused} was refused but is listed`,
    );
    rmSync(join(mnt, 'filler'));
    const again = await request(proc.url, admin, 'POST', '/api/v1/tenants', { name: 'after-full' });
    assert.equal(again.status, 201, JSON.stringify(again.json));
    await proc.kill('SIGKILL');
    const store = new SqliteStore(join(mnt, 'data', 'model.db'));
    const names = new Set([...store.all('tenant')].map((t) => t.name));
    for (const k of kept) assert.ok(names.has(k), `acknowledged ${k} survived`);
    assert.ok(names.has('after-full'));
    assert.ok(!names.has(refused), `${refused} was refused but is stored`);
    assert.deepEqual(store.check(), []);
    store.close();
  });
});
