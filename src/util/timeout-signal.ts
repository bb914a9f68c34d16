/**
 * An AbortSignal that aborts after `ms` milliseconds with a `TimeoutError` DOMException, like
 * `AbortSignal.timeout(ms)`, but whose timer keeps the process alive. `AbortSignal.timeout`'s timer
 * does not (Node docs: "the timer is unref'd"), so a request that neither answers nor fails (undici
 * can hang on a connection reset before the answer) would let the event loop empty and the process
 * exit 0 mid-run. Call `clear()` once the request settles.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`The operation was aborted due to timeout`, 'TimeoutError')), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
