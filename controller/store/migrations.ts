// Numbered schema migrations. PRAGMA user_version holds the number of the last one applied; each runs in its own
// transaction. Append only: never edit a migration that has shipped.
// Objects are stored whole as JSON in `doc`; the columns beside it exist for foreign keys and uniqueness, so the
// database itself refuses dangling references and duplicates even if a bug in the controller tried one.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /**
   * Rebuilds a table that others reference (SQLite's generalized ALTER TABLE): it runs with foreign keys off, so
   * that dropping the old table neither fails nor cascades, and the transaction ends with a foreign_key_check.
   */
  readonly rebuild?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'model',
    sql: `
CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE networks (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,
  vni INTEGER NOT NULL UNIQUE CHECK (vni BETWEEN 1 AND 16777215), doc TEXT NOT NULL, UNIQUE (tenant_id, name));
CREATE TABLE subnets (
  id TEXT PRIMARY KEY, network_id TEXT NOT NULL REFERENCES networks(id), name TEXT NOT NULL, cidr TEXT NOT NULL,
  doc TEXT NOT NULL, UNIQUE (network_id, name), UNIQUE (network_id, cidr));
CREATE TABLE routers (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL, doc TEXT NOT NULL,
  UNIQUE (tenant_id, name));
CREATE TABLE router_interfaces (
  id TEXT PRIMARY KEY, router_id TEXT NOT NULL REFERENCES routers(id),
  subnet_id TEXT NOT NULL UNIQUE REFERENCES subnets(id), doc TEXT NOT NULL);
CREATE TABLE nodes (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE security_groups (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL, doc TEXT NOT NULL,
  UNIQUE (tenant_id, name));
CREATE TABLE security_group_rules (
  id TEXT PRIMARY KEY, security_group_id TEXT NOT NULL REFERENCES security_groups(id),
  remote_group_id TEXT REFERENCES security_groups(id), doc TEXT NOT NULL);
CREATE TABLE qos_policies (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), name TEXT NOT NULL, doc TEXT NOT NULL,
  UNIQUE (tenant_id, name));
CREATE TABLE endpoints (
  id TEXT PRIMARY KEY, network_id TEXT NOT NULL REFERENCES networks(id), node_id TEXT NOT NULL REFERENCES nodes(id),
  qos_policy_id TEXT REFERENCES qos_policies(id), name TEXT NOT NULL, mac TEXT NOT NULL,
  container_id TEXT, ifname TEXT, doc TEXT NOT NULL,
  UNIQUE (network_id, name), UNIQUE (network_id, mac), UNIQUE (node_id, container_id, ifname));
CREATE INDEX endpoints_node ON endpoints(node_id);
CREATE TABLE endpoint_security_groups (
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  security_group_id TEXT NOT NULL REFERENCES security_groups(id), PRIMARY KEY (endpoint_id, security_group_id));
CREATE INDEX endpoint_security_groups_group ON endpoint_security_groups(security_group_id);
CREATE TABLE services (
  id TEXT PRIMARY KEY, network_id TEXT NOT NULL REFERENCES networks(id), name TEXT NOT NULL, doc TEXT NOT NULL,
  UNIQUE (network_id, name));
CREATE TABLE namespace_bindings (
  id TEXT PRIMARY KEY, namespace TEXT NOT NULL UNIQUE, network_id TEXT NOT NULL REFERENCES networks(id),
  doc TEXT NOT NULL);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, tenant_id TEXT REFERENCES tenants(id),
  node_id TEXT REFERENCES nodes(id), doc TEXT NOT NULL);
CREATE TABLE vlan_bindings (
  id TEXT PRIMARY KEY, node_id TEXT NOT NULL REFERENCES nodes(id), network_id TEXT NOT NULL REFERENCES networks(id),
  vlan INTEGER NOT NULL CHECK (vlan BETWEEN 1 AND 4094), doc TEXT NOT NULL,
  UNIQUE (node_id, vlan), UNIQUE (node_id, network_id));
CREATE TABLE ip_allocations (
  subnet_id TEXT NOT NULL REFERENCES subnets(id), address TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('used', 'retained')),
  -- Deferred: an endpoint's row is written after its addresses are chosen, in the same transaction.
  endpoint_id TEXT REFERENCES endpoints(id) DEFERRABLE INITIALLY DEFERRED,
  owner TEXT, retain_until INTEGER, PRIMARY KEY (subnet_id, address),
  CHECK ((state = 'used') = (endpoint_id IS NOT NULL)));
CREATE INDEX ip_allocations_endpoint ON ip_allocations(endpoint_id);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  changes TEXT NOT NULL);
`,
  },
  {
    version: 2,
    name: 'vteps',
    sql: `
CREATE TABLE vteps (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, tunnel_ip TEXT NOT NULL, doc TEXT NOT NULL);
`,
  },
  {
    // A bare-metal endpoint sits behind a leaf VTEP's port, on no node: exactly one of node_id and vtep_id is set.
    version: 3,
    name: 'baremetal-endpoints',
    rebuild: true,
    sql: `
CREATE TABLE endpoints_v3 (
  id TEXT PRIMARY KEY, network_id TEXT NOT NULL REFERENCES networks(id), node_id TEXT REFERENCES nodes(id),
  vtep_id TEXT REFERENCES vteps(id), qos_policy_id TEXT REFERENCES qos_policies(id), name TEXT NOT NULL,
  mac TEXT NOT NULL, container_id TEXT, ifname TEXT, doc TEXT NOT NULL,
  CHECK ((node_id IS NULL) <> (vtep_id IS NULL)),
  UNIQUE (network_id, name), UNIQUE (network_id, mac), UNIQUE (node_id, container_id, ifname));
INSERT INTO endpoints_v3 (id, network_id, node_id, vtep_id, qos_policy_id, name, mac, container_id, ifname, doc)
  SELECT id, network_id, node_id, NULL, qos_policy_id, name, mac, container_id, ifname, doc FROM endpoints;
DROP TABLE endpoints;
ALTER TABLE endpoints_v3 RENAME TO endpoints;
CREATE INDEX endpoints_node ON endpoints(node_id);
CREATE INDEX endpoints_vtep ON endpoints(vtep_id);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
