/**
 * tools/reference/torch_train.py's `--recipe strong` warps images as src/train/augment.ts does: the same
 * affine + elastic parameters give the same pixels through torch's grid_sample (float32 grid) as through
 * warpImage (float64), to float32 rounding. Without torch: skipped with the reason on a developer's machine,
 * a failure under CI (test/helpers/requires.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ELASTIC_GRID, warpImage } from '../../src/train/augment.js';
import { PYTHON, needs, pythonEnv } from '../helpers/requires.js';

const SCRIPT = fileURLToPath(new URL('../../tools/reference/torch_train.py', import.meta.url));

// Loads torch_train.py as a module and warps the image of argv[2] by its parameters. Exit 3: no torch.
const SNIPPET = `
import importlib.util, json, sys
try:
    import torch
except ImportError as error:
    print(f"cannot import torch: {error}", file=sys.stderr)
    sys.exit(3)
spec = importlib.util.spec_from_file_location("torch_train", sys.argv[1])
tt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tt)
d = json.loads(sys.stdin.read())
f64 = lambda x: torch.tensor(x, dtype=torch.float64)
p = d["params"]
out = tt.warp(torch.tensor(d["image"]).reshape(1, 1, 28, 28), f64([p[0]]), f64([p[1]]), f64([[p[2], p[3]]]), f64(p[4:]).reshape(1, 5, 5, 2))
print(json.dumps(out.reshape(-1).tolist()))
`;

describe('torch_train.py --recipe strong: the same warp as augment.ts', () => {
  it('rotation, scale, shift and elastic grid: the same pixels to float32 rounding', (ctx) => {
    const params = Float64Array.from([0.2, 1.1, 1.3, -0.7, ...Array.from({ length: 2 * ELASTIC_GRID * ELASTIC_GRID }, (_, i) => 1.5 * Math.sin(i * 1.7))]);
    const image = Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 101) / 101);
    const ours = new Float32Array(784);
    warpImage(image, params, 0, params.length, ours);
    const run = spawnSync(PYTHON, ['-c', SNIPPET, SCRIPT], { input: JSON.stringify({ params: [...params], image: [...image] }), encoding: 'utf8', maxBuffer: 1 << 24, env: pythonEnv() });
    const noPython = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (noPython || run.status === 3) needs(ctx, 'torch', noPython ? `${PYTHON} not found` : run.stderr.trim());
    expect(run.status, run.stderr).toBe(0);
    const theirs = JSON.parse(run.stdout) as number[];
    expect(theirs).toHaveLength(784);
    let worst = 0;
    theirs.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - ours[i])); });
    expect(ours.filter((v) => v !== 0).length).toBeGreaterThan(700); // mostly inside the image: a real comparison
    expect(worst).toBeLessThan(1e-5); // observed 1.7e-6
  });
});
