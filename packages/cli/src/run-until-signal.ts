/** Keeps a node process in the foreground until SIGINT/SIGTERM, then stops it cleanly and exits. */
export function runUntilSignal(stop: () => Promise<void>): Promise<never> {
  return new Promise((_, reject) => {
    let stopping = false;
    const onSignal = (): void => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        (error: unknown) => reject(error),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
