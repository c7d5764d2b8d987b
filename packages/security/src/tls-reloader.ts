import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { describeError } from '@quill/proto';
import type { Logger } from 'pino';
import { loadTls, type LoadedTls } from './load-tls.js';

export interface TlsReloaderOptions {
  /** What is in force now; its config names the files to watch. */
  loaded: LoadedTls;
  /** Puts newly loaded files in force (e.g. `tls.Server#setSecureContext`); open connections keep theirs. */
  apply: (loaded: LoadedTls) => void;
  /** File changes within this long of each other cause one reload. */
  debounceMs: number;
  logger: Logger;
  /** The signal that asks for a reload, as Kafka's and most daemons' operators expect. */
  signal?: NodeJS.Signals;
}

/**
 * Reads the TLS files again on a signal or when one of them changes, and applies them when they
 * pass every start-time check; files that fail are logged and the context in force stays.
 */
export class TlsReloader {
  private current: LoadedTls;
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private readonly onSignal = (): void => void this.reload();
  private readonly signal: NodeJS.Signals;

  private constructor(private readonly options: TlsReloaderOptions) {
    this.current = options.loaded;
    this.signal = options.signal ?? 'SIGHUP';
  }

  static start(options: TlsReloaderOptions): TlsReloader {
    const reloader = new TlsReloader(options);
    reloader.watchFiles();
    process.on(reloader.signal, reloader.onSignal);
    return reloader;
  }

  /** The files in force. */
  get loaded(): LoadedTls {
    return this.current;
  }

  /** Reads and checks the files now; resolves once they are applied or refused. Reloads run one at a time. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadOnce());
    return this.reloading;
  }

  close(): void {
    process.off(this.signal, this.onSignal);
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
  }

  private async reloadOnce(): Promise<void> {
    const { config } = this.current;
    try {
      const loaded = await loadTls(config);
      this.options.apply(loaded);
      this.current = loaded;
      this.options.logger.info({ certificate: config.certificateLocation, validTo: loaded.certificate.validTo }, 'tls: certificates reloaded');
    } catch (error) {
      this.options.logger.error({ error: describeError(error) }, 'tls: reload refused, the certificates in force stay');
    }
  }

  // Directories rather than files: tools replace a certificate by renaming a new file over it,
  // which a watch on the old file would not see.
  private watchFiles(): void {
    const { config } = this.current;
    const files = [config.certificateLocation, config.keyLocation, ...(config.caLocation === undefined ? [] : [config.caLocation])].map((f) => path.resolve(f));
    const namesByDirectory = new Map<string, Set<string>>();
    for (const file of files) {
      const names = namesByDirectory.get(path.dirname(file)) ?? new Set<string>();
      names.add(path.basename(file));
      namesByDirectory.set(path.dirname(file), names);
    }
    for (const [directory, names] of namesByDirectory) {
      const watcher = watch(directory, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString())) this.scheduleReload();
      });
      watcher.on('error', (error) => this.options.logger.warn({ directory, error: error.message }, 'tls: cannot watch certificate files; reload with SIGHUP'));
      this.watchers.push(watcher);
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.options.debounceMs);
    this.timer.unref();
  }
}
