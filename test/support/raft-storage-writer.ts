// Writes Raft entries into a LevelRaftStorage as a controller would, as its own OS process so a
// test can SIGKILL it (a power loss takes the process first). RAFT_DIR names the directory.
// Prints `synced <index>` once a synced write of entries up to <index> returned. Once LevelDB has
// started a second write-ahead log and not yet finished the compaction that records it in the
// manifest (the window in which LevelDB itself has not fsynced the directory), it prints `window`
// and stops itself with SIGSTOP, LevelDB's compaction thread included, so the test cuts the power
// inside that window.
import fs from 'node:fs';
import { LevelRaftStorage } from '@quill/controller';

type Ready = Parameters<LevelRaftStorage['persist']>[0];
type Entry = Ready['entries'][number];

const dir = process.env['RAFT_DIR'];
if (dir === undefined) throw new Error('RAFT_DIR is not set');
/** 64 KiB entries: LevelDB's 4 MiB write buffer fills after about 64 of them. */
const ENTRY_BYTES = 65_536;
const MAX_ENTRIES = 1_000;

const storage = await LevelRaftStorage.open(dir, { voters: [1], observers: [] });
/** Write-ahead logs on disk: two while the compaction that records the newer one has not finished. */
const logs = () => fs.readdirSync(dir).filter((name) => name.endsWith('.log')).length;

/** Incompressible bytes (a table of them takes LevelDB a while to write), first byte index % 251. */
function payload(index: number): Uint8Array {
  const data = new Uint8Array(ENTRY_BYTES);
  let x = index * 2_654_435_761 || 1;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  data[0] = index % 251;
  return data;
}

const ready = (entries: Entry[]): Ready => ({
  entries,
  hardState: { term: 1, vote: 1, commit: entries[entries.length - 1]!.index },
  softState: undefined,
  snapshot: undefined,
  mustSync: true,
  messages: [],
  committedEntries: [],
});

for (let index = storage.lastIndex() + 1; index <= MAX_ENTRIES; index++) {
  await storage.persist(ready([{ index, term: 1, type: 'normal', data: payload(index) }]));
  process.stdout.write(`synced ${index}\n`);
  if (logs() >= 2) {
    process.stdout.write('window\n', () => process.kill(process.pid, 'SIGSTOP'));
    await new Promise(() => undefined);
  }
}
process.stdout.write('no window\n');
