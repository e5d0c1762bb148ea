// Audit log: who changed what, when, with the object before and after.
import { api } from '../api';
import { card, h, mount, table, time } from '../dom';
import { debounce, type Page } from '../page';
import type { AuditEntry, Change } from '../types';

function diff(c: Change): HTMLElement {
  return h(
    'details',
    null,
    h('summary', null, `${c.op} ${c.kind} ${String(c.after?.name ?? c.before?.name ?? c.id)}`),
    h(
      'div',
      { class: 'diff' },
      h('pre', { class: 'before' }, c.before ? JSON.stringify(c.before, null, 2) : '(none)'),
      h('pre', { class: 'after' }, c.after ? JSON.stringify(c.after, null, 2) : '(none)'),
    ),
  );
}

export function auditPage(): Page {
  let unsubscribe: (() => void) | undefined;
  return {
    async render(root, { stream }) {
      const body = h('div');
      const load = async () => {
        const { items } = await api<{ items: AuditEntry[] }>('/audit?limit=200');
        mount(
          body,
          table(
            ['#', 'When', 'Who', 'What', 'Changes (before / after)'],
            items.map((e) => [
              e.seq,
              `${new Date(e.at).toLocaleDateString()} ${time(e.at)}`,
              e.actor,
              e.action,
              e.changes.map(diff),
            ]),
            { id: 'audit' },
          ),
        );
      };
      await load();
      mount(root, card('Audit log', body));
      const refresh = debounce(() => void load(), 200);
      unsubscribe = stream.on((m) => {
        if (m.type === 'change') refresh();
      });
    },
    dispose() {
      unsubscribe?.();
    },
  };
}
