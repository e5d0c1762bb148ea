// The live event stream (/api/v1/events): the token rides as a WebSocket subprotocol; reconnects with backoff.
import type { StreamMessage } from './types';

type Listener = (m: StreamMessage) => void;

export class EventStream {
  private ws?: WebSocket;
  private readonly listeners = new Set<Listener>();
  private retryMs = 500;
  private closed = false;
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  onState: (s: EventStream['state']) => void = () => undefined;

  constructor(private readonly token: string) {
    this.connect();
  }

  on(f: Listener): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  private connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events`;
    const ws = new WebSocket(url, ['sdn.v1', `bearer.${this.token}`]);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.retryMs = 500;
      this.setState('open');
    };
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as StreamMessage;
      for (const f of this.listeners) f(m);
    };
    ws.onclose = () => {
      this.setState('closed');
      if (this.closed) return;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  private setState(s: EventStream['state']): void {
    this.state = s;
    this.onState(s);
  }
}
