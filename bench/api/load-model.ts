// Child of bench/api: opens a model file the way the controller starts (store + IPAM + VNI/VLAN spaces) and prints
// how long it took and the resident set size after, as JSON.
import { OpsContext } from '../../controller/ops/context';
import { SqliteStore } from '../../controller/store/sqlite-store';

const file = process.argv[2];
const cpu0 = process.cpuUsage();
const start = process.hrtime.bigint();
const store = new SqliteStore(file);
const ctx = new OpsContext(store);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const cpu = process.cpuUsage(cpu0);
// CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
const cpuMs = (cpu.user + cpu.system) / 1000;
global.gc?.();
const counts = {
  nodes: store.count('node'),
  endpoints: store.count('endpoint'),
  services: store.count('service'),
};
const rssMb = process.memoryUsage().rss / 2 ** 20;
const probe = ctx.ipam.stats([...store.all('subnet')][0].id);
store.close();
process.stdout.write(JSON.stringify({ ms, cpuMs, rssMb, ...counts, firstSubnetUsed: probe.used }) + '\n');
