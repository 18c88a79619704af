import type { Readable } from 'node:stream';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps the memory of streamed bodies flat in their size (issue #4: a 2 GiB object should not need
 * more memory than a 2 MiB one).
 *
 * Every socket or file read hands JS a fresh buffer of up to 64 KiB, malloc'd outside V8's heap,
 * which is garbage as soon as it has been written on. Left to itself V8 scavenges young array
 * buffers only about every 16 MiB of them, collects those that happened to be promoted only after
 * external memory grew by 64 MiB, and frees their memory on a background thread that, with the
 * gateway busy on the same two cores, runs late; glibc keeps whatever the heap once held resident.
 * Measured on the lab (copy of a 2 GiB object between two users, so GET piped into PUT): 5-35 MiB
 * of dead buffers at any time, peak RSS 108 MiB against 56 MiB for a 2 MiB object.
 *
 * So the bytes of every streamed body are counted, and every `COLLECT_EVERY_BYTES` a minor GC (a
 * scavenge of the young generation only, 0.5-1 ms here) frees the buffers of the last stretch, with
 * their memory released during the GC itself, not later on another thread. A buffer still in flight
 * survives a scavenge; when many streams run at once (the parts of a multipart copy) enough of them
 * are promoted to matter, so a full GC (3-5 ms) follows when external memory or V8's heap, after
 * the scavenge, has grown by `FULL_AFTER_GROWTH_BYTES` since the last full GC left them. The heap
 * counts for listings: the entries of the pages being merged are promoted too, and without it 2 in
 * 10 no-op re-syncs of 100,000 keys peaked at 119 MiB instead of 87-92 MiB (1 in 8 at 104 MiB with
 * it). Counting from what the last full GC left, not from zero, keeps the full GCs in step with the
 * garbage however many buffers are in flight: from a fixed 4 MiB, a 16-part copy ran one at nearly
 * every scavenge. Measured on the lab: the 2 GiB copy peaks at 63-64 MiB (against 101-113 MiB), a
 * 64 MiB one at 63 MiB; a 2 GiB copy in 128 parts at 77-79 MiB with 16 or 4 in flight, 512 MiB in
 * 32 parts at 78 MiB with 16 and 72 MiB with 4, against 86-90 MiB with 16 when no full GC ran (as
 * when they were asked for with `{ type: 'major' }`, which Node 20 ignores), with the same CPU. 8
 * MiB of growth gave 68-71 MiB for 0.6-0.8 s more user CPU per 2 GiB (2.0 to 2.7 s), 4 MiB 69-71
 * MiB for 512 MiB. Wall times within the runs' spread, user CPU about 0.3 s more per 2 GiB than
 * without any collections, system CPU about 0.6 s less (fewer page faults). Every 1 MiB gave the
 * same peak for twice the collections, every 4 MiB 68 MiB. With the image's V8 flag
 * (`IMAGE_NODE_FLAGS` in launcher.ts) the 2 GiB copy peaks at 59-60 MiB, and the interval counts
 * more: every 1 MiB 58 MiB, every 512 KiB 56-57 MiB (and a 2 MiB copy 52 against 54 MiB), but a
 * no-op re-sync of 100,000 keys then spends 25 % more CPU (0.95 against 0.77 s), which on the
 * lab's two cores the gateway waits on. What remains above a 2 MiB copy (54-56 MiB) is what any
 * run of more than a few hundred milliseconds adds: more of the node binary paged in (3.5 MiB: the
 * optimising compiler, once functions get hot) and V8's heap and compiled code grown. Without the
 * optimising tiers (`--no-opt`, `--max-opt=1`) the 2 GiB copy peaks at 56-57 MiB, for 1.2-1.7 s
 * more CPU.
 *
 * Where V8 runs Maglev, its mid-tier optimising compiler, by default (Node 24, the image's; Node
 * 22 turned it off again in 22.9 after miscompilations, Node 20 never had it on), TurboFan is
 * turned off at the first collection after a body has been streamed: hot code is still compiled to
 * machine code, by Maglev, but TurboFan's own code in the node binary is never paged in and its
 * compilations never allocate. Measured on the lab with Node 24 and the image's flag, peak RSS: a
 * 2 GiB object streamed 67.6-68.1 MiB against 73.3-73.6 MiB with TurboFan, while a 2 MiB one
 * stays at 66.8-67.1 MiB; user CPU 1.5-1.8 s per 2 GiB against 1.3-1.6 s, in the same wall time.
 * Listings alone keep TurboFan: without it a no-op re-sync of 100,000 keys peaked at 96-97 against
 * 97-99 MiB, but re-syncs of 200,000 keys against a stand-in listing server at 103-108 against
 * 100-107 MiB (TurboFan's escape analysis spares the scanner's temporaries). `--max-opt=2` on the
 * command line does the same for memory, but any flag that enters V8's flag hash there makes Node
 * reject the code cache of its own built-in modules: 40-60 ms more CPU at every start (`--help`
 * 90-210 against 50-90 ms). Set here, after start-up, it costs nothing, and short runs keep
 * TurboFan. The 0.6-1.2 MiB that then stayed between the two did so whatever the interval (every
 * 1 MiB or 512 KiB lowers both alike, every 512 or 256 KiB for bodies alone left the 2 GiB copy
 * where it was for 0.3-1.1 s more CPU), with a young generation of 1 MiB, and with the baseline
 * compiler alone.
 *
 * Most of it was what start-up left, so the first collection after a body has been streamed is a
 * full one. Start-up (the code cache's functions, the modules' set-up) and the listings before the
 * first body leave garbage in the old generation that scavenges never free, and the objects that
 * scavenges promote during the copy went to fresh pages beside it. Collected once, before that,
 * anonymous memory (V8's heap) was 1.0-1.6 MiB lower all through a 2 GiB copy (14.6-14.8 against
 * 15.8-16.4 MiB in `/proc/PID/smaps`, for 0.3 MiB more of glibc's heap) and reached its peak in the
 * first 0.2 s. Measured on the lab with Node 24 and the image's flag, peak RSS: a 2 GiB object
 * streamed 66.2-66.6 MiB (67.6-68.0 before) against 66.3-66.5 MiB for a 2 MiB one (66.8-67.0);
 * 512 MiB in 32 parts with 16 in flight 81.3-82.0 MiB (82.6-82.8). It takes 13-21 ms
 * (`--trace-gc`), once per run that streams. It does not count as the last full GC for the growth
 * above: counted from what it leaves, early in the copy, the 512 MiB one peaked at 85 MiB. Made
 * the first collection of every run instead, it left a no-op re-sync of 100,000 keys at 100-102
 * MiB, so listings alone keep scavenges.
 *
 * Rejected: collecting on a timer (reads arrive in bursts of 20 MiB in 50 ms, which outrun it);
 * scavenges every 5-20 ms with background freeing (in-flight buffers got promoted and memory
 * grew); a full GC every time (2-3 ms each). Not tried: smaller stream high-water marks, since a
 * socket read is a fresh 64 KiB buffer whatever the mark.
 *
 * Only a process that opts in with `collectStreamGarbage()` (the CLI does) is touched: the flags
 * and the collections are process-wide, not something a library should impose on the application
 * that imports the engine. V8 flags are changed at run time, at the first collection, so that runs
 * which move less than `COLLECT_EVERY_BYTES` (server-side copies of a few objects, short listings)
 * keep V8's defaults. Listings count too (`readBody`): a re-sync of 100,000 keys reads 47 MB of
 * XML, and with the collections its peak stays near 90 MiB from 100,000 to 1,000,000 keys instead
 * of 120-135 MiB. Parallel scavenging is turned off: for a young generation of a few MiB it only
 * adds waiting for helper threads on a busy machine (1.7 ms per scavenge against 0.7 ms measured).
 * Without a `gc` to call (flags frozen in some future Node), this does nothing.
 */
const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;
const FULL_AFTER_GROWTH_BYTES = 16 * 1024 * 1024;
/** Whether this Node.js runs Maglev by default, so that TurboFan can go (see above). */
export const MAGLEV_BY_DEFAULT = Number(process.versions.node.split('.')[0]) >= 24;

/**
 * V8's `gc`: a full collection without options, a scavenge with `{ type: 'minor' }`. Node 20's V8
 * ignores `{ type: 'major' }` (no collection at all, measured), so a full one is asked for without
 * options.
 */
type Gc = (options?: { type: 'minor' }) => void;

let enabled = false;
let gc: Gc | null | undefined;
let streamed = 0;
/** Whether a body has gone through `meterStream`. */
let bodies = false;
/**
 * Whether the first collection after a body has run: a full one, which also turns TurboFan off
 * where V8 runs Maglev (see above).
 */
let collectedAfterBody = false;
/** External memory and V8's heap as the last full GC for growth left them: what was live then. */
let afterFull = { external: 0, heap: 0 };

/** Turns the collections on for this process (the CLI's choice; see above). */
export function collectStreamGarbage(): void {
  enabled = true;
}

function collector(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    setFlagsFromString('--no-parallel-scavenge');
    // `gc` is installed only on contexts made while the flag is set: make one, then unset it.
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    gc = typeof found === 'function' ? (found as Gc) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** Counts `bytes` of a body streamed through the process, collecting its garbage as it goes. */
export function noteStreamed(bytes: number): void {
  if (!enabled) return;
  streamed += bytes;
  if (streamed < COLLECT_EVERY_BYTES) return;
  streamed = 0;
  const collect = collector();
  if (collect === null) return;
  if (bodies && !collectedAfterBody) {
    // A full one: it frees what start-up and listings left in the old generation.
    collectedAfterBody = true;
    collect();
    if (MAGLEV_BY_DEFAULT) setFlagsFromString('--no-turbofan');
  } else {
    collect({ type: 'minor' });
  }
  const now = getHeapStatistics();
  // Less than the last full GC left: V8 collected on its own, or streams ended.
  afterFull.external = Math.min(afterFull.external, now.external_memory);
  afterFull.heap = Math.min(afterFull.heap, now.used_heap_size);
  const grown = Math.max(now.external_memory - afterFull.external, now.used_heap_size - afterFull.heap);
  if (grown <= FULL_AFTER_GROWTH_BYTES) return;
  collect();
  const after = getHeapStatistics();
  afterFull = { external: after.external_memory, heap: after.used_heap_size };
}

/**
 * Counts the bytes `body` emits. Call it in the same tick as the consumer starts reading (a `data`
 * listener starts the flow on the next tick, so no chunk is missed by either).
 */
export function meterStream(body: Readable): void {
  body.on('data', (chunk: Buffer | string) => {
    bodies = true;
    noteStreamed(chunk.length);
  });
}
