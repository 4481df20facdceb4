/**
 * A training run saved in this browser (IndexedDB), to continue later — after a reload or another day.
 * One slot: saving replaces the previous save. What is kept is everything the run needs to go on exactly
 * as if it had not stopped (TrainerState: parameters, Adam's moments, the step, the batch order and the
 * augmentation generator) plus what the page shows about it (its curves and settings).
 */
import type { TrainerState } from './trainer.js';

export interface TestPoint {
  readonly step: number;
  readonly accuracy: number;
}

export interface SavedRun {
  readonly version: 1;
  /** Date.now() when saved. */
  readonly savedAt: number;
  readonly trainer: TrainerState;
  readonly seed: number;
  readonly learningRate: number;
  readonly augment: number;
  readonly losses: readonly number[];
  readonly testCurve: readonly TestPoint[];
}

const DB = 'onnx-lenet';
const STORE = 'runs';
const KEY = 'saved';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('this browser offers no IndexedDB (a private window may turn it off)'));
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function transact<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = body(tx.objectStore(STORE));
      // Resolve once the transaction has committed, so a save is on disk before the page says so.
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? request.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (out of storage space?)'));
    });
  } finally {
    db.close();
  }
}

export async function saveRun(run: SavedRun): Promise<void> {
  await transact('readwrite', (store) => store.put(run, KEY));
}

/** The saved run, or null when there is none (or it is of a format this page does not read). */
export async function loadRun(): Promise<SavedRun | null> {
  const run = (await transact('readonly', (store) => store.get(KEY))) as SavedRun | undefined;
  return run?.version === 1 ? run : null;
}

export async function deleteRun(): Promise<void> {
  await transact('readwrite', (store) => store.delete(KEY));
}
