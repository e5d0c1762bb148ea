// ovs-ofctl flow syntax for the OpenFlow 1.3 codec: print flows, flow stats and packet-ins as Open vSwitch does,
// and parse the same syntax into FLOW_MOD fields.
export { formatMatch } from './match-format.js';
export { formatAction, formatActions, formatInstructions, formatSubfield } from './action-format.js';
export {
  formatFlow,
  formatFlowMod,
  formatFlowRemoved,
  formatFlowStats,
  formatPacketIn,
  formatMessage,
  messageHeading,
  formatDuration,
} from './flow-format.js';
export type { FlowStatsFormatOptions } from './flow-format.js';
export { formatPacket } from './packet-format.js';
export { parseFlow, parseFlows } from './flow-parse.js';
export type { ParseFlowOptions } from './flow-parse.js';
export { parseActionList, parseInstructions } from './action-parse.js';
export { OfctlSyntaxError } from './errors.js';
