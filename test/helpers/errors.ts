/** Error measures and the labelled max-error table printed by the numerics tests. */

export interface ErrorRow {
  readonly tensor: string;
  readonly entries: number;
  readonly maxRef: number;
  readonly maxAbs: number;
  /** max |a−b| / |b| over entries with |b| ≥ 1e-3·max|b| (relative error where it is meaningful) */
  readonly maxRel: number;
}

export function compare(tensor: string, actual: ArrayLike<number>, reference: ArrayLike<number>, indices?: readonly number[]): ErrorRow {
  const idx = indices ?? Array.from({ length: reference.length }, (_, i) => i);
  if (actual.length !== reference.length) throw new RangeError(`${tensor}: ${actual.length} values vs ${reference.length} in the reference`);
  let maxRef = 0;
  for (const i of idx) maxRef = Math.max(maxRef, Math.abs(reference[i]));
  let maxAbs = 0;
  let maxRel = 0;
  for (const i of idx) {
    const err = Math.abs(actual[i] - reference[i]);
    maxAbs = Math.max(maxAbs, err);
    if (Math.abs(reference[i]) >= 1e-3 * maxRef && reference[i] !== 0) maxRel = Math.max(maxRel, err / Math.abs(reference[i]));
  }
  return { tensor, entries: idx.length, maxRef, maxAbs, maxRel };
}

export function printTable(title: string, rows: readonly ErrorRow[]): void {
  const e = (x: number): string => x.toExponential(2);
  const lines = [
    title,
    `  ${'tensor'.padEnd(26)}${'entries'.padStart(8)}${'max|ref|'.padStart(11)}${'max abs err'.padStart(13)}${'max rel err'.padStart(13)}`,
    ...rows.map((r) => `  ${r.tensor.padEnd(26)}${String(r.entries).padStart(8)}${e(r.maxRef).padStart(11)}${e(r.maxAbs).padStart(13)}${e(r.maxRel).padStart(13)}`),
  ];
  console.log(lines.join('\n'));
}
