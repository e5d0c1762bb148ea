// Namespace bindings: which network a Kubernetes namespace's pods join when CNI does not name one.
import type { NamespaceBinding } from '../model/types';
import type { Actor } from './actor';
import type { OpsContext } from './context';
import { conflict } from './errors';

export interface BindingInput {
  namespace: string;
  network: string;
}

export function createBinding(ctx: OpsContext, actor: Actor, input: BindingInput): NamespaceBinding {
  return ctx.mutate(actor, 'namespaceBinding.create', (tx) => {
    const n = ctx.resolve(actor, 'network', input.network, 'body/network', undefined, tx);
    if (tx.lookup('namespaceBinding', 'namespace', input.namespace).length > 0) {
      throw conflict(`namespace ${input.namespace} is already bound`, 'body/namespace');
    }
    const b: NamespaceBinding = {
      id: ctx.newId(),
      namespace: input.namespace,
      networkId: n.id,
      tenantId: n.tenantId,
      createdAt: ctx.now(),
    };
    tx.create('namespaceBinding', b);
    return b;
  });
}

export function updateBinding(
  ctx: OpsContext,
  actor: Actor,
  ref: string,
  input: { network?: string },
): NamespaceBinding {
  return ctx.mutate(actor, 'namespaceBinding.update', (tx) => {
    const b = ctx.resolve(actor, 'namespaceBinding', ref, 'params/ref', undefined, tx);
    if (input.network === undefined) return b;
    const n = ctx.resolve(actor, 'network', input.network, 'body/network', undefined, tx);
    const next: NamespaceBinding = { ...b, networkId: n.id, tenantId: n.tenantId };
    tx.update('namespaceBinding', next);
    return next;
  });
}

export function deleteBinding(ctx: OpsContext, actor: Actor, ref: string): void {
  ctx.mutate(actor, 'namespaceBinding.delete', (tx) => {
    const b = ctx.resolve(actor, 'namespaceBinding', ref, 'params/ref', undefined, tx);
    tx.remove('namespaceBinding', b.id);
  });
}
