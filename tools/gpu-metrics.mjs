// Reads `onnx-lenet train --json-metrics` files for tools/gpu-check.sh. Accepts a JSON object with a
// `steps` array ({loss, ms?}) or `losses` array, or JSON lines with a `loss` field (and optional `ms`).
//   node tools/gpu-metrics.mjs compare a.json b.json 20 1e-3   → "max rel diff 3.1e-6 over 20 losses: ok"
//   node tools/gpu-metrics.mjs ms a.json                        → "4.21 ms/step (median of 49)"
import { readFileSync } from 'node:fs';

function steps(file) {
  try { readFileSync(file); } catch { return []; }
  const text = readFileSync(file, 'utf8').trim();
  let rows;
  try {
    const json = JSON.parse(text);
    rows = Array.isArray(json) ? json : json.steps ?? (json.losses ?? []).map((loss) => ({ loss }));
  } catch {
    rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }
  return rows.filter((r) => typeof r.loss === 'number');
}

const [cmd, a, b, n = '20', tol = '1e-3'] = process.argv.slice(2);
if (cmd === 'compare') {
  const x = steps(a).slice(0, Number(n)), y = steps(b).slice(0, Number(n));
  const k = Math.min(x.length, y.length);
  if (k === 0) { console.log('no losses to compare'); process.exit(1); }
  let worst = 0;
  for (let i = 0; i < k; i++) worst = Math.max(worst, Math.abs(x[i].loss - y[i].loss) / Math.max(Math.abs(y[i].loss), 1e-12));
  console.log(`max rel diff ${worst.toExponential(1)} over ${k} losses (tol ${tol}): ${worst <= Number(tol) && k === Number(n) ? 'ok' : 'FAIL'}`);
} else if (cmd === 'ms') {
  const ms = steps(a).map((r) => r.ms ?? r.msPerStep).filter((v) => typeof v === 'number').slice(1).sort((p, q) => p - q);
  console.log(ms.length ? `${ms[Math.floor(ms.length / 2)].toFixed(2)} ms/step (median of ${ms.length})` : 'no per-step times in the metrics');
} else {
  console.error('usage: gpu-metrics.mjs compare a b [n] [tol] | ms a');
  process.exit(2);
}
