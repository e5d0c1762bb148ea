// The tables and columns we use of the Open_vSwitch and hardware_vtep schemas, declared once as data: the same
// declaration gives the TypeScript row types, the monitor requests, and the check against the schema the server
// returns (a column we need that the server lacks, or has with another type, is an error naming that column).
import type { AtomicType, ColumnType, DatabaseSchema } from './schema';

/** 'T' = exactly one atom, 'T?' = zero or one, 'T*' = a set, 'map<K,V>' = a map. */
export type ColumnSpec =
  AtomicType | `${AtomicType}?` | `${AtomicType}*` | `map<${AtomicType},${AtomicType}>`;
export type TableSpecs = { readonly [table: string]: { readonly [column: string]: ColumnSpec } };

type AtomTs<A> = A extends 'integer' | 'real' ? number : A extends 'boolean' ? boolean : string;
export type ColumnTs<S> = S extends `map<${infer K},${infer V}>`
  ? ReadonlyMap<AtomTs<K>, AtomTs<V>>
  : S extends `${infer A}?`
    ? readonly AtomTs<A>[]
    : S extends `${infer A}*`
      ? readonly AtomTs<A>[]
      : AtomTs<S>;
/** A frozen row of a declared table: its _uuid plus every declared column, typed by the spec. */
export type RowOf<T extends { readonly [column: string]: ColumnSpec }> = { readonly _uuid: string } & {
  readonly [C in keyof T]: ColumnTs<T[C]>;
};

export const OPEN_VSWITCH_TABLES = {
  Open_vSwitch: {
    bridges: 'uuid*',
    manager_options: 'uuid*',
    ovs_version: 'string?',
    external_ids: 'map<string,string>',
    other_config: 'map<string,string>',
    cur_cfg: 'integer',
  },
  Bridge: {
    name: 'string',
    ports: 'uuid*',
    controller: 'uuid*',
    datapath_type: 'string',
    datapath_id: 'string?',
    protocols: 'string*',
    fail_mode: 'string?',
    other_config: 'map<string,string>',
    external_ids: 'map<string,string>',
  },
  Port: {
    name: 'string',
    interfaces: 'uuid*',
    tag: 'integer?',
    trunks: 'integer*',
    qos: 'uuid?',
    other_config: 'map<string,string>',
    external_ids: 'map<string,string>',
  },
  Interface: {
    name: 'string',
    type: 'string',
    options: 'map<string,string>',
    ofport: 'integer?',
    ofport_request: 'integer?',
    mac_in_use: 'string?',
    error: 'string?',
    link_state: 'string?',
    ingress_policing_rate: 'integer',
    ingress_policing_burst: 'integer',
    external_ids: 'map<string,string>',
  },
  Controller: {
    target: 'string',
    connection_mode: 'string?',
    max_backoff: 'integer?',
    is_connected: 'boolean',
    role: 'string?',
  },
  Manager: { target: 'string', is_connected: 'boolean' },
  QoS: {
    type: 'string',
    queues: 'map<integer,uuid>',
    other_config: 'map<string,string>',
    external_ids: 'map<string,string>',
  },
  Queue: { other_config: 'map<string,string>', external_ids: 'map<string,string>' },
} as const satisfies TableSpecs;

export const HARDWARE_VTEP_TABLES = {
  Global: { switches: 'uuid*', managers: 'uuid*' },
  Physical_Switch: {
    name: 'string',
    description: 'string',
    ports: 'uuid*',
    tunnel_ips: 'string*',
    management_ips: 'string*',
  },
  Physical_Port: { name: 'string', description: 'string', vlan_bindings: 'map<integer,uuid>' },
  Logical_Switch: {
    name: 'string',
    description: 'string',
    tunnel_key: 'integer?',
    replication_mode: 'string?',
  },
  Physical_Locator: { encapsulation_type: 'string', dst_ip: 'string' },
  Physical_Locator_Set: { locators: 'uuid*' },
  Ucast_Macs_Remote: { MAC: 'string', logical_switch: 'uuid', locator: 'uuid', ipaddr: 'string' },
  Mcast_Macs_Remote: { MAC: 'string', logical_switch: 'uuid', locator_set: 'uuid', ipaddr: 'string' },
  Ucast_Macs_Local: { MAC: 'string', logical_switch: 'uuid', locator: 'uuid', ipaddr: 'string' },
} as const satisfies TableSpecs;

export type OpenVswitchTables = typeof OPEN_VSWITCH_TABLES;
export type HardwareVtepTables = typeof HARDWARE_VTEP_TABLES;

function specMatches(spec: ColumnSpec, type: ColumnType): boolean {
  const map = /^map<(\w+),(\w+)>$/.exec(spec);
  if (map) return type.value !== undefined && type.key.type === map[1] && type.value.type === map[2];
  if (type.value !== undefined) return false;
  if (spec.endsWith('?')) return type.key.type === spec.slice(0, -1) && type.min === 0 && type.max === 1;
  if (spec.endsWith('*')) return type.key.type === spec.slice(0, -1) && type.max > 1;
  return type.key.type === spec && type.min === 1 && type.max === 1;
}

function describeType(type: ColumnType): string {
  if (type.value) return `map<${type.key.type},${type.value.type}>`;
  const max = type.max === Infinity ? 'unlimited' : String(type.max);
  return type.min === 1 && type.max === 1 ? type.key.type : `${type.key.type} (min ${type.min}, max ${max})`;
}

/** Every problem found, one line each, naming database, table and column; empty when the schema fits. */
export function checkSchema(schema: DatabaseSchema, specs: TableSpecs): string[] {
  const problems: string[] = [];
  for (const [table, columns] of Object.entries(specs)) {
    const t = schema.tables.get(table);
    if (!t) {
      problems.push(`database ${schema.name} (version ${schema.version}) has no table ${table}`);
      continue;
    }
    for (const [column, spec] of Object.entries(columns)) {
      const c = t.columns.get(column);
      if (!c) problems.push(`table ${schema.name}.${table} has no column ${column} (we need ${spec})`);
      else if (!specMatches(spec, c.type)) {
        problems.push(`column ${schema.name}.${table}.${column} is ${describeType(c.type)}, we need ${spec}`);
      }
    }
  }
  return problems;
}

/** table -> columns, for a monitor request. */
export function monitoredColumns(specs: TableSpecs): Map<string, string[]> {
  return new Map(Object.entries(specs).map(([table, columns]) => [table, Object.keys(columns)]));
}
