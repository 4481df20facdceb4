/**
 * The driving side of the data-parallel step (src/train/step/parallel/coordinator.ts) on its own, with the
 * parts played by the test through the shared control array: steps handed over ahead (`submit`, two batch
 * slots, as the page does) go to alternating slots with the command fields the workers read, resolve when
 * the Done counter says so (in any order), and the guards hold; counters compare right after they wrap.
 */
import { describe, expect, test } from 'vitest';
import { gradOf } from '../../src/graph/contract.js';
import { modelValueSpecs } from '../../src/graph/export.js';
import { buildGradientModel } from '../../src/graph/models.js';
import { initParameters } from '../../src/graph/params.js';
import { PartCoordinator, sharedState } from '../../src/train/step/parallel/coordinator.js';
import { flatLayout } from '../../src/train/step/parallel/layout.js';
import { Command, Field, Slot, correctSlot, fieldSlot, lossSumSlot, reached, slotViews } from '../../src/train/step/parallel/shared.js';
import { pairedInputs } from '../../src/train/step/state.js';

const PARTS = 2;
const io = modelValueSpecs(buildGradientModel());
const layout = flatLayout(pairedInputs(io.inputs, io.outputs.map((o) => o.name), gradOf, 'the gradient model'));

function pipelined(): { coordinator: PartCoordinator; control: Int32Array; finish: (slot: number, lossSums: number[]) => void } {
  const shared = sharedState({ params: initParameters(0) }, layout, PARTS, 8, 'test', 2);
  const control = new Int32Array(shared.control);
  const coordinator = new PartCoordinator(shared, layout, undefined, { count: PARTS, failure: () => undefined, messageOf: async () => '' },
    { spinPolls: 0, what: 'the test runner', partName: (k) => `part ${k}`, fused: true });
  // What the parts do at the end of a step: write their sums into the slot, count themselves done.
  const finish = (slot: number, lossSums: number[]): void => {
    const { scalars } = slotViews(shared, slot);
    lossSums.forEach((l, k) => { scalars[lossSumSlot(k)] = l; scalars[correctSlot(k)] = k + 1; });
    Atomics.add(control, Slot.Done, PARTS);
    Atomics.notify(control, Slot.Done);
  };
  return { coordinator, control, finish };
}

const batch = (size: number) => ({ images: new Float32Array(size * 784).fill(0.5), labels: new Int32Array(size), size });

describe('PartCoordinator with two batch slots', () => {
  test('steps handed over ahead: alternating slots and parities, sequence numbers, results when Done says so', async () => {
    const { coordinator, control, finish } = pipelined();
    const first = coordinator.submit(batch(4), 1e-3, 0.5);
    const second = coordinator.submit(batch(8), 2e-3, 0.6);
    expect(Atomics.load(control, Slot.Sequence)).toBe(2);
    expect([1, 0].map((slot) => [Field.Command, Field.Parity, Field.BatchSize].map((f) => Atomics.load(control, fieldSlot(slot, f))))).toEqual([[Command.Step, 0, 4], [Command.Step, 1, 8]]);
    expect(() => coordinator.submit(batch(4), 1e-3, 0.5)).toThrow('the test runner already has 2 step(s) in flight');
    expect(() => coordinator.close()).toThrow('close with 2 step(s) in flight (settle first)');
    finish(1, [2, 6]);
    expect(await first).toEqual({ loss: Math.fround(8 / 4), correct: 3 });
    const third = coordinator.submit(batch(2), 1e-3, 0.5); // the first's slot is free again
    expect(Atomics.load(control, fieldSlot(1, Field.Parity))).toBe(0);
    finish(0, [4, 4]);
    finish(1, [1, 1]);
    expect(await second).toEqual({ loss: 1, correct: 3 });
    expect(await third).toEqual({ loss: 1, correct: 3 });
    await coordinator.settle();
    expect(coordinator.close()).toBe(true);
    expect(Atomics.load(control, fieldSlot(0, Field.Command))).toBe(Command.Exit);
  });

  test('a step may not be handed over while a command runs', async () => {
    const { coordinator, finish } = pipelined();
    const state = coordinator.readState();
    await Promise.resolve();
    expect(() => coordinator.submit(batch(4), 1e-3, 0.5)).toThrow('the test runner is running a command');
    finish(1, [0, 0]);
    expect((await state).length).toBe(3 * layout.specs.length);
  });
});

test('reached compares counters modulo 2^32, so a wrapped Int32 counter still counts', () => {
  expect(reached(5, 5)).toBe(true);
  expect(reached(4, 5)).toBe(false);
  const wrapped = new Int32Array(1);
  wrapped[0] = 2 ** 31 - 1;
  Atomics.add(wrapped, 0, 2); // wraps to −2^31 + 1
  expect(wrapped[0]).toBeLessThan(0);
  expect(reached(wrapped[0], 2 ** 31 + 1)).toBe(true);
  expect(reached(wrapped[0], 2 ** 31 + 2)).toBe(false);
});
