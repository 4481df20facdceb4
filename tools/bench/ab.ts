/**
 * A/B timing of train-step model files on onnxruntime-node's CPU provider: the models run in turn,
 * `--rounds` rounds of `--steps` steps each, so that load from other processes hits all of them alike;
 * prints each model's median over rounds of the per-round median step time, and of the CPU time per
 * step (user + system, all threads): on a loaded machine the CPU time is the steadier measure of work.
 *
 *   node dist/tools/bench/ab.js [--batch 64] [--threads 1] [--rounds 15] [--steps 40] a.onnx b.onnx …
 *   node dist/tools/bench/ab.js --write current.onnx      (writes the train-step model built now)
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildTrainStepModel } from '../../src/graph/models.js';
import { encodeModel } from '../../src/graph/proto.js';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { median } from './stats.js';
import { trainFeeds } from './train-feeds.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      batch: { type: 'string', default: '64' }, threads: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '15' }, steps: { type: 'string', default: '40' },
      write: { type: 'string' }, spin: { type: 'string', default: '1' }, level: { type: 'string', default: 'all' },
    },
  });
  if (values.write) {
    writeFileSync(values.write, encodeModel(buildTrainStepModel()));
    return;
  }
  const base = sessionOptionsFor('cpu', { threads: Number(values.threads) });
  const options: ort.InferenceSession.SessionOptions = {
    ...base, graphOptimizationLevel: values.level as 'all',
    extra: { session: { intra_op: { allow_spinning: values.spin } } },
  };
  const sessions = await Promise.all(positionals.map((file) => ort.InferenceSession.create(file, options)));
  const feeds = trainFeeds(Number(values.batch));
  const perRound: number[][] = sessions.map(() => []);
  const cpuPerRound: number[][] = sessions.map(() => []);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [k, session] of sessions.entries()) {
      const t: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < Number(values.steps); i++) {
        const t0 = performance.now();
        await session.run(feeds);
        t.push(performance.now() - t0);
      }
      perRound[k].push(median(t));
      const cpu = process.cpuUsage(cpu0);
      cpuPerRound[k].push((cpu.user + cpu.system) / 1000 / Number(values.steps));
    }
  }
  positionals.forEach((file, k) => process.stdout.write(
    `wall ${median(perRound[k]).toFixed(3)} ms/step, cpu ${median(cpuPerRound[k]).toFixed(3)} ms/step  ${file}\n`));
}

if (process.argv[1]?.endsWith(path.join('bench', 'ab.js'))) {
  main().catch((error: unknown) => {
    process.stderr.write(`ab: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
