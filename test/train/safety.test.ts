/**
 * Issue 14 through the library: a stop before the first step writes nothing (row 3), the output set is
 * committed with a journal and recovered (row 5), resuming refuses what would change the run or train
 * nothing (rows 2, 6), and a checkpoint's metadata is validated field by field (row 15).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint, readCheckpoint } from '../../src/train/checkpoint.js';
import { JOURNAL_FILE, commitOutputSet, recoverOutputSet } from '../../src/train/output-set.js';
import { train } from '../../src/train/trainer.js';
import { idxImages, idxLabels } from '../data/helpers.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-safety-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** A folder of the four IDX files: 256 train / 64 test images, `salt` changing the pixels but not the counts. */
async function smallData(name: string, salt: number): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 3) % 10);
  await writeFile(path.join(dir, 'train-images-idx3-ubyte'), idxImages(256, (i, k) => (i * salt + k) & 0xff));
  await writeFile(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(labels(256)));
  await writeFile(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(64));
  await writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(labels(64)));
  return dir;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(path.join(dir, name))).toString('base64');
  return out;
}

describe('train: the output folder and resuming', () => {
  let data: string;
  let trained: string;
  beforeAll(async () => {
    data = await smallData('data-a', 7);
    trained = path.join(work, 'trained');
    await train({ dataDir: data, epochs: 1, batchSize: 64, threads: 1, outDir: trained });
  }, 120_000);

  test('row 3: a trained set in --out is not replaced unasked; stopped before the first step, nothing in --out changes even with force', async () => {
    const before = await snapshot(trained);
    await expect(train({ dataDir: data, epochs: 1, threads: 1, outDir: trained })).rejects.toThrow(/is a trained model .*; this run would replace it/);
    expect(await snapshot(trained)).toEqual(before);
    const controller = new AbortController();
    controller.abort();
    const result = await train({ dataDir: data, epochs: 3, batchSize: 64, threads: 1, outDir: trained, signal: controller.signal, force: true });
    expect(result).toMatchObject({ interrupted: true, saved: false, step: 0 });
    expect(await snapshot(trained)).toEqual(before);
    const fresh = path.join(work, 'fresh-never');
    await train({ dataDir: data, epochs: 1, threads: 1, outDir: fresh, signal: controller.signal });
    await expect(readdir(fresh)).rejects.toThrow(/ENOENT/); // not even created
  }, 60_000);

  test('row 6: options that would change the resumed run are an error naming each one', async () => {
    const resume = path.join(trained, 'lenet.ckpt');
    await expect(train({ resume, epochs: 2, batchSize: 32, lr: 0.5, seed: 7, dataset: 'fashion-mnist', threads: 1 }))
      .rejects.toThrow(/--resume continues the checkpoint's run, which these options would change: --dataset fashion-mnist \(the checkpoint's run has mnist\), --batch-size 32 \(the checkpoint's run has 64\), --lr 0\.5 \(.*0\.001\), --seed 7 \(.* 0\); drop them/);
    await expect(train({ resume, epochs: 1, threads: 1 })).rejects.toThrow(/has finished 1 epoch, so --epochs 1 leaves nothing to train; give --epochs 2 or more/);
    await expect(train({ resume, epochs: 2, maxSteps: 4, threads: 1 })).rejects.toThrow(/is at step 4, so --max-steps 4 leaves nothing to train/);
    // The same values as the checkpoint's are not a conflict.
    const same = path.join(work, 'same');
    await mkdir(same);
    await writeFile(path.join(same, 'lenet.ckpt'), await readFile(resume));
    const r = await train({ resume: path.join(same, 'lenet.ckpt'), epochs: 2, batchSize: 64, seed: 0, threads: 1 });
    expect(r.files.checkpoint).toBe(path.join(same, 'lenet.ckpt')); // row 2: --resume writes to the checkpoint's folder
    expect((await readCheckpoint(r.files.checkpoint)).progress.epoch).toBe(2);
  }, 120_000);

  test('row 6: resuming on other images of the same count is refused (data fingerprint)', async () => {
    const other = await smallData('data-b', 11);
    const before = await snapshot(trained);
    await expect(train({ resume: path.join(trained, 'lenet.ckpt'), dataDir: other, epochs: 2, threads: 1 }))
      .rejects.toThrow(/was trained on other images than folder .*data-b holds \(same count, different data fingerprint\); resume with the same data set/);
    expect(await snapshot(trained)).toEqual(before);
  }, 60_000);
});

describe('row 5: the output set is committed with a journal and recovered', () => {
  const files = (tag: string) => [
    { name: 'lenet.onnx', data: `model ${tag}` }, { name: 'lenet.ckpt', data: `ckpt ${tag}` }, { name: 'metrics.json', data: `metrics ${tag}` },
  ];

  test('a crash before the commit point leaves the old set; the next start removes the temporary files', async () => {
    const dir = path.join(work, 'set-before');
    await commitOutputSet(dir, files('old'));
    await writeFile(path.join(dir, '.lenet.onnx.0123456789ab.tmp'), 'half');
    await writeFile(path.join(dir, '.lenet.ckpt.ba9876543210.tmp'), 'new');
    await writeFile(path.join(dir, '..lenet-commit.json.00aa00aa00aa.tmp'), '{');
    await writeFile(path.join(dir, '.someone-elses.tmp'), 'keep');
    const r = await recoverOutputSet(dir);
    expect(r.rolledForward).toBe(false);
    expect(r.removed).toHaveLength(3);
    expect(await snapshot(dir)).toEqual(await snapshot(path.join(work, 'set-before')));
    expect((await readdir(dir)).sort()).toEqual(['.someone-elses.tmp', 'lenet.ckpt', 'lenet.onnx', 'metrics.json']);
    expect(await readFile(path.join(dir, 'lenet.ckpt'), 'utf8')).toBe('ckpt old');
  });

  test('a crash after the commit point (journal written, one rename done) is finished by the next start', async () => {
    const dir = path.join(work, 'set-after');
    await commitOutputSet(dir, files('old'));
    const renames = [['.lenet.onnx.aaaaaaaaaaaa.tmp', 'lenet.onnx'], ['.lenet.ckpt.bbbbbbbbbbbb.tmp', 'lenet.ckpt'], ['.metrics.json.cccccccccccc.tmp', 'metrics.json']];
    await writeFile(path.join(dir, 'lenet.onnx'), 'model new'); // its rename happened
    await writeFile(path.join(dir, renames[1][0]), 'ckpt new');
    await writeFile(path.join(dir, renames[2][0]), 'metrics new');
    await writeFile(path.join(dir, JOURNAL_FILE), JSON.stringify({ version: 1, renames }));
    const r = await recoverOutputSet(dir);
    expect(r.rolledForward).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['lenet.ckpt', 'lenet.onnx', 'metrics.json']);
    for (const [name, text] of [['lenet.onnx', 'model new'], ['lenet.ckpt', 'ckpt new'], ['metrics.json', 'metrics new']]) {
      expect(await readFile(path.join(dir, name), 'utf8')).toBe(text);
    }
  });

  test('a journal that is not ours is not followed', async () => {
    const dir = path.join(work, 'set-foreign');
    await mkdir(dir);
    await writeFile(path.join(dir, JOURNAL_FILE), JSON.stringify({ version: 1, renames: [['../../etc/passwd', 'lenet.onnx']] }));
    await expect(recoverOutputSet(dir)).rejects.toThrow(/is not an onnx-lenet commit journal; remove it if it is not yours/);
  });
});

describe('row 15: a checkpoint\'s metadata is validated field by field', () => {
  const valid = (): Checkpoint => ({
    options: {
      recipe: 'strong', dataset: 'mnist-sample', epochs: 3, batchSize: 64, lr: 0.001, seed: 0, lrSchedule: 'cosine', warmupEpochs: 0.5,
      augment: true, augmentShift: 1.5, augmentRotate: 10, augmentScale: 0.1, augmentElastic: 1,
    },
    progress: {
      step: 130, epoch: 1, batchInEpoch: 5, epochRng: { mt: new Array(624).fill(1), index: 624 }, augmentRng: { mt: new Array(624).fill(2), index: 3 },
      epochStats: { lossSum: 12.5, correct: 200, seen: 320, elapsedMs: 80 }, trainCount: 8004,
      history: [{ epoch: 1, loss: 0.5, trainAccuracy: 0.8, testLoss: 0.4, testAccuracy: 0.9, seconds: 2, imagesPerSecond: 4000, lr: 0.001 }],
    },
    state: [{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }],
  });
  /** A checkpoint whose metadata has `value` at the dotted `field` (undefined: the field removed). */
  const crafted = (field: string, value: unknown): Uint8Array => {
    const c = valid();
    const meta = JSON.parse(JSON.stringify({ options: c.options, progress: c.progress })) as Record<string, unknown>;
    const keys = field.split('.');
    const parent = keys.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, meta);
    if (value === undefined) delete parent[keys[keys.length - 1]];
    else parent[keys[keys.length - 1]] = value;
    return encodeCheckpoint({ ...c, options: meta.options, progress: meta.progress } as Checkpoint);
  };

  test('a valid checkpoint round-trips, the recipe, warm-up and augmentation ranges included', () => {
    const back = decodeCheckpoint(encodeCheckpoint(valid()), 'c');
    expect(back.progress).toEqual(valid().progress);
    expect(back.options).toEqual(valid().options);
  });

  test('a checkpoint from before recipes, warm-up and augmentation ranges loads as the seed\'s recipe with --augment\'s shifts', () => {
    const c = valid();
    const { recipe, warmupEpochs, augmentShift, augmentRotate, augmentScale, augmentElastic, ...before } = c.options;
    expect([recipe, warmupEpochs, augmentShift, augmentRotate, augmentScale, augmentElastic]).toEqual(['strong', 0.5, 1.5, 10, 0.1, 1]);
    const back = decodeCheckpoint(encodeCheckpoint({ ...c, options: before } as unknown as Checkpoint), 'old.ckpt');
    expect(back.options).toEqual({ ...before, recipe: 'seed', warmupEpochs: 0, augmentShift: 2, augmentRotate: 0, augmentScale: 0, augmentElastic: 0 });
  });

  test.each([
    { field: 'progress.epochRng', value: undefined as unknown, message: /progress\.epochRng must be an object/ },
    { field: 'progress.epochRng.mt', value: [1, 2, 3] as unknown, message: /progress\.epochRng\.mt must be 624 unsigned 32-bit integers/ },
    { field: 'progress.augmentRng.index', value: 999 as unknown, message: /progress\.augmentRng\.index must be an integer in \[0, 624\], found 999/ },
    { field: 'progress.history', value: 'x' as unknown, message: /progress\.history must be an array/ },
    { field: 'progress.history', value: [] as unknown, message: /progress\.history must hold one entry per finished epoch \(1\), found 0/ },
    { field: 'progress.history.0.loss', value: 'NaN' as unknown, message: /progress\.history\[0\]\.loss must be a finite number ≥ 0, found \"NaN\"/ },
    { field: 'progress.epochStats', value: null as unknown, message: /progress\.epochStats must be an object/ },
    { field: 'progress.epochStats.lossSum', value: null as unknown, message: /progress\.epochStats\.lossSum must be a finite number ≥ 0, found null/ },
    { field: 'progress.epochStats.seen', value: 9000 as unknown, message: /progress\.epochStats\.seen must be at most progress\.trainCount \(8004\)/ },
    { field: 'progress.step', value: -1 as unknown, message: /progress\.step must be an integer ≥ 0, found -1/ },
    { field: 'progress.epoch', value: 4 as unknown, message: /progress\.epoch must be at most options\.epochs \(3\), found 4/ },
    { field: 'progress.dataFingerprint', value: 'zz' as unknown, message: /progress\.dataFingerprint must be 32 hex digits/ },
    { field: 'options.lr', value: 0 as unknown, message: /options\.lr must be a finite number > 0, found 0/ },
    { field: 'options.dataset', value: 'cifar' as unknown, message: /options\.dataset must be one of mnist, fashion-mnist, mnist-sample, found \"cifar\"/ },
    { field: 'options.augment', value: 'yes' as unknown, message: /options\.augment must be true or false/ },
    { field: 'options.recipe', value: 'best' as unknown, message: /options\.recipe must be one of seed, strong, found \"best\"/ },
    { field: 'options.warmupEpochs', value: -1 as unknown, message: /options\.warmupEpochs must be a finite number ≥ 0, found -1/ },
    { field: 'options.augmentRotate', value: 'x' as unknown, message: /options\.augmentRotate must be a finite number ≥ 0, found \"x\"/ },
    { field: 'options', value: [1] as unknown, message: /options must be an object/ },
  ])('$field = $value', ({ field, value, message }) => {
    const bytes = crafted(field, value);
    let error: Error | undefined;
    try {
      decodeCheckpoint(bytes, 'crafted.ckpt');
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toMatch(/^'crafted\.ckpt' is not a usable onnx-lenet checkpoint: /);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });
});
