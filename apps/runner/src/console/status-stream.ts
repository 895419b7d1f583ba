import type { ServerResponse } from 'node:http';

/** How often the stream looks for a change: at most one snapshot a second, whatever the number of pages. */
const TICK_MS = 1_000;
/** A comment line this often keeps proxies and the browser from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * The console's live updates: one server-sent-event stream per page, fed by one timer. Each tick builds the
 * status once and sends it to every page only when it changed, so ten open phones cost what one does and
 * a quiet bot sends nothing but keep-alives. The timer runs only while a page listens.
 */
export class StatusStream {
  readonly #clients = new Set<ServerResponse>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #last = '';
  #sinceKeepalive = 0;

  constructor(private readonly snapshot: () => unknown) {}

  get listeners(): number {
    return this.#clients.size;
  }

  /** Answers `GET /events`: the current status at once, then each change. */
  add(response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    this.#clients.add(response);
    response.on('close', () => {
      this.#clients.delete(response);
      if (this.#clients.size === 0) this.#stop();
    });
    const data = this.#build();
    this.#last = data;
    response.write(frame(data));
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  /** Sends the status now when it changed (after a command, so the page does not wait for the tick). */
  push(): void {
    if (this.#clients.size > 0) this.#tick();
  }

  close(): void {
    this.#stop();
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #tick(): void {
    const data = this.#build();
    this.#sinceKeepalive += TICK_MS;
    if (data !== this.#last) {
      this.#last = data;
      this.#sinceKeepalive = 0;
      for (const client of this.#clients) client.write(frame(data));
    } else if (this.#sinceKeepalive >= KEEPALIVE_MS) {
      this.#sinceKeepalive = 0;
      for (const client of this.#clients) client.write(': keep-alive\n\n');
    }
  }

  #build(): string {
    try {
      return JSON.stringify(this.snapshot());
    } catch (error) {
      return JSON.stringify({ error: `status unavailable: ${(error as Error).message}` });
    }
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function frame(data: string): string {
  return `event: status\ndata: ${data}\n\n`;
}
