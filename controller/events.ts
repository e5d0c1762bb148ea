// Change events: what the store emits after every committed transaction. The reconciler recompiles the nodes
// an event names; the dashboard's ws stream forwards events as they are.
import { EventEmitter } from 'node:events';
import type { Id, Kind, ModelKinds } from './model/types';

export type ChangeOp = 'created' | 'updated' | 'deleted';

/** One object's change, typed by its kind: `before` is absent on create, `after` on delete. */
export type Change = {
  [K in Kind]: {
    readonly kind: K;
    readonly op: ChangeOp;
    readonly id: Id;
    readonly before?: ModelKinds[K];
    readonly after?: ModelKinds[K];
  };
}[Kind];

export interface ChangeEvent {
  /** Monotonic per store, equal to the audit row's id. */
  readonly seq: number;
  readonly at: string;
  /** Token id, or "system" for the controller itself. */
  readonly actor: string;
  /** What was asked, e.g. "endpoint.create", "cni.add". */
  readonly action: string;
  readonly changes: readonly Change[];
  /** Nodes whose desired switch state may differ because of this event. */
  readonly nodes: readonly Id[];
}

interface EventMap {
  change: [ChangeEvent];
}

/** A typed emitter: `events.on('change', (e) => ...)`. Listener errors are the listener's business. */
export class ModelEvents extends EventEmitter<EventMap> {
  constructor() {
    super({ captureRejections: false });
    this.setMaxListeners(100);
  }
}
