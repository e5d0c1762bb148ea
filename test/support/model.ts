// A model on a real SQLite file in a temp dir, for store, ops and API tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsContext, type OpsOptions } from '../../controller/ops/context';
import { SqliteStore } from '../../controller/store/sqlite-store';

export class TempModel {
  readonly dir = mkdtempSync(join(tmpdir(), 'sdn-model-'));
  readonly file = join(this.dir, 'model.db');
  store: SqliteStore;
  ctx: OpsContext;

  constructor(private readonly options: OpsOptions = {}) {
    try {
      this.store = new SqliteStore(this.file, { synchronous: 'OFFLOADED' });
      this.ctx = new OpsContext(this.store, options);
    } catch (err) {
      rmSync(this.dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Closes and opens the store again from disk, as a controller restart does. */
  reopen(): void {
    this.store.close();
    this.store = new SqliteStore(this.file, { synchronous: 'OFFLOADED' });
    this.ctx = new OpsContext(this.store, this.options);
  }

  dispose(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
