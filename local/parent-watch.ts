/** How often the parent is looked at: a stop is seen within this, well inside a second. */
const CHECK_MS = 200;

/**
 * Calls `onGone` once when the process that started this one has exited. A wrapper between a
 * supervisor and the server (`npx`, `sh -c`, an older Node re-running muster under Node 24)
 * may die of the supervisor's SIGTERM without passing it on; the server, re-parented to
 * init or a subreaper, would then keep the port and the data folder's lock, and the
 * supervisor's restart would find both taken. Exiting is seen as a change of parent pid, so a
 * server started by pid 1 itself (systemd, a container's entry point) is never stopped by it.
 * `parent` is the pid the process started with. Returns a function that stops watching.
 */
export function watchParent(
  onGone: () => void,
  parent = process.ppid,
  checkMs = CHECK_MS,
): () => void {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, checkMs);
  // Never what keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
