import type { TaskEvent, TaskLogsEvent } from '../api/types';

/** `live`: the event stream is open. `polling`: it is down, and the page refreshes on a timer. */
export type FeedState = 'connecting' | 'live' | 'polling';

export interface FeedListener {
  /** One task event from GET /api/events. */
  onEvent?(event: TaskEvent): void;
  /** New lines of one task's log. */
  onLogs?(event: TaskLogsEvent): void;
  /** Events may have been missed: fetch what is shown again. */
  onResync?(): void;
}

const EVENT_NAMES = ['created', 'status', 'progress'] as const;
const FIRST_RECONNECT_DELAY_MS = 1000;
/** A stream that has not opened by then counts as down (a proxy holding the request, say). */
const OPEN_TIMEOUT_MS = 5000;
const MAX_RECONNECT_DELAY_MS = 15_000;

/**
 * The page's one connection to GET /api/events. While the stream is down it asks its listeners
 * to resync every `pollIntervalMs`, and keeps trying to reconnect; once back, it resyncs once to
 * cover what was missed and stops polling.
 */
export class LiveFeed {
  private source?: EventSource;
  private state: FeedState = 'connecting';
  private pollTimer?: number;
  private reconnectTimer?: number;
  private openTimer?: number;
  private reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
  private readonly listeners = new Set<FeedListener>();
  private readonly stateListeners = new Set<(state: FeedState) => void>();

  constructor(
    private readonly url = '/api/events',
    readonly pollIntervalMs = 3000,
  ) {}

  get currentState(): FeedState {
    return this.state;
  }

  start(): void {
    if (!this.source) this.connect();
  }

  stop(): void {
    this.source?.close();
    this.source = undefined;
    window.clearInterval(this.pollTimer);
    window.clearTimeout(this.reconnectTimer);
    window.clearTimeout(this.openTimer);
    this.pollTimer = undefined;
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStateChange(listener: (state: FeedState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private connect(): void {
    const source = new EventSource(this.url);
    this.source = source;
    window.clearTimeout(this.openTimer);
    this.openTimer = window.setTimeout(() => {
      if (source.readyState !== EventSource.OPEN) {
        this.setState('polling');
        this.startPolling();
      }
    }, OPEN_TIMEOUT_MS);
    source.addEventListener('open', () => {
      window.clearTimeout(this.openTimer);
      this.reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
      const missedEvents = this.state === 'polling';
      this.setState('live');
      this.stopPolling();
      if (missedEvents) this.resync();
    });
    source.addEventListener('error', () => {
      this.setState('polling');
      this.startPolling();
      // CONNECTING: the browser retries by itself. CLOSED: it gave up, so retry here, backing off.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        this.source = undefined;
        this.scheduleReconnect();
      }
    });
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (message: MessageEvent<string>) => this.dispatch(message));
    }
    // The server could not replay everything missed since the last event this page holds.
    source.addEventListener('resync', () => this.resync());
    source.addEventListener('logs', (message: MessageEvent<string>) => {
      let event: TaskLogsEvent;
      try {
        event = JSON.parse(message.data) as TaskLogsEvent;
      } catch {
        return;
      }
      for (const listener of this.listeners) listener.onLogs?.(event);
    });
  }

  private dispatch(message: MessageEvent<string>): void {
    let event: TaskEvent;
    try {
      event = JSON.parse(message.data) as TaskEvent;
    } catch {
      return; // a malformed message cannot be shown; the next resync covers it
    }
    for (const listener of this.listeners) listener.onEvent?.(event);
  }

  private resync(): void {
    for (const listener of this.listeners) listener.onResync?.();
  }

  private setState(state: FeedState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.resync();
    this.pollTimer = window.setInterval(() => this.resync(), this.pollIntervalMs);
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private scheduleReconnect(): void {
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.connect(), this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, MAX_RECONNECT_DELAY_MS);
  }
}
