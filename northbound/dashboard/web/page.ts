// What a page is: it renders into its root, may follow the event stream, and stops its timers when left.
import type { EventStream } from './stream';

export interface PageContext {
  readonly stream: EventStream;
  /** The query part of the route, e.g. #/flows?node=n1 -> node=n1. */
  readonly params: URLSearchParams;
}

export interface Page {
  render(root: HTMLElement, ctx: PageContext): Promise<void>;
  /** Called when the page is left: unsubscribe, clear timers. */
  dispose?(): void;
}

export type PageFactory = () => Page;

/** Runs `f` at most once per `ms`, the last call winning (for bursts of change events). */
export function debounce(f: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      f();
    }, ms);
  };
}
