import type { Logger } from 'pino';

/** What a signal stops: the sync engine or the replicator. */
export interface Stoppable {
  stop(options?: { abort?: boolean }): Promise<unknown>;
}

/** How the log lines name the work: what intake stops taking, and what is drained. */
export interface ShutdownWords {
  /** e.g. 'objects' (sync) or 'messages' (replicate) */
  readonly intake: string;
  /** e.g. 'copies in flight' or 'work in flight' */
  readonly inFlight: string;
  /** Appended to the line of the abort at the drain deadline. @default '' */
  readonly abortNote?: string;
}

/**
 * The signal handler of a long-running command (STYLE rule 11). First signal: stop intake, let the
 * work in flight drain until `drainSeconds`, then abort it. Second signal: abort at once. The
 * handler's promise settles when the stop it started has. `source-lost` is replicate's own cause
 * (a source gave up its broker), logged in place of a signal's name.
 */
export function drainOnSignal(target: Stoppable, logger: Logger, drainSeconds: number, words: ShutdownWords): (signal: NodeJS.Signals | 'source-lost') => Promise<void> {
  let signalled = false;
  return async (signal) => {
    if (signalled) {
      logger.warn({ signal }, `second signal: aborting ${words.inFlight}`);
      await target.stop({ abort: true });
      return;
    }
    signalled = true;
    logger.warn({ signal, drainSeconds }, `stopping: no new ${words.intake}, draining ${words.inFlight}`);
    const deadline = setTimeout(() => {
      logger.warn({ drainSeconds }, `drain deadline passed: aborting ${words.inFlight}${words.abortNote ?? ''}`);
      void target.stop({ abort: true });
    }, drainSeconds * 1000);
    deadline.unref();
    await target.stop();
    clearTimeout(deadline);
  };
}
