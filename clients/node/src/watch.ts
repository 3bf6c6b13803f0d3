import { status as GrpcStatus, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { SidecarError } from "./errors.js";
import type { WatchSessionResponse } from "./gen/cometchat_sidecar/auth/v1/auth.js";
import { type SessionEvent, sessionEvent } from "./results.js";

type Waiter = { resolve: (r: IteratorResult<SessionEvent, undefined>) => void; reject: (e: SidecarError) => void };

/**
 * The stream of one WatchSession call, from `SidecarClient.watchSession()`:
 * an async iterable of {@link SessionEvent}s. The call starts when the watch
 * is made. Leaving a `for await` loop (`break`, `return`, a throw) or calling
 * `cancel()` ends the call and the loop; the loop also ends when the sidecar
 * shuts down. Failures reject with a {@link SidecarError}, and so does an
 * abort through the watch's `signal` (code CANCELLED).
 */
export class SessionWatch implements AsyncIterableIterator<SessionEvent, undefined> {
  private readonly buffered: SessionEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: SidecarError | undefined;
  private ended = false;
  private cancelled = false;
  private readonly onAbort = () => this.abort();

  /** @internal */
  constructor(
    private readonly call: ClientReadableStream<WatchSessionResponse>,
    private readonly signal: AbortSignal | undefined,
    private readonly onEnd: (watch: SessionWatch) => void,
  ) {
    call.on("data", (message: WatchSessionResponse) => this.push(sessionEvent(message)));
    call.on("end", () => this.finish(undefined));
    call.on("error", (err: ServiceError) =>
      this.finish(this.cancelled && err.code === GrpcStatus.CANCELLED ? undefined : SidecarError.fromServiceError(err)),
    );
    if (signal?.aborted) {
      this.abort();
    } else {
      signal?.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<SessionEvent, undefined>> {
    const event = this.buffered.shift();
    if (event !== undefined) {
      return Promise.resolve({ value: event, done: false });
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.ended) {
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Called when a `for await` loop is left early: ends the call. */
  return(): Promise<IteratorResult<SessionEvent, undefined>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the call; a loop over the watch then ends without an error. Safe to call twice. */
  cancel(): void {
    this.stop(undefined);
  }

  private abort(): void {
    this.stop(new SidecarError({ code: GrpcStatus.CANCELLED, details: "the watch was aborted by its signal" }));
  }

  private stop(failure: SidecarError | undefined): void {
    this.buffered.length = 0;
    const live = !this.ended;
    this.cancelled = true;
    this.finish(failure); // before cancel(): the CANCELLED status it causes is then ignored
    if (live) {
      this.call.cancel();
    }
  }

  private push(event: SessionEvent): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ value: event, done: false });
    } else {
      this.buffered.push(event);
    }
  }

  private finish(failure: SidecarError | undefined): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    this.onEnd(this);
    const waiters = this.waiters.splice(0);
    if (failure !== undefined && waiters.length === 0) {
      this.failure = failure; // for the next call of next()
    }
    for (const waiter of waiters) {
      if (failure !== undefined) {
        waiter.reject(failure);
        failure = undefined; // one rejection; later waiters see the end
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
  }
}
