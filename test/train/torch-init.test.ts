/**
 * `initParameters(seed)` is designed to equal `torch.manual_seed(seed); LeNet()` from the seed project bit for
 * bit (MT19937 + PyTorch's CPU `uniform_` for float tensors). This checks all 61,706 values against Debian's
 * python3-torch for a few seeds, comparing float32 bit patterns. Without torch: skipped with the reason
 * on a developer's machine, a failure under CI (test/helpers/requires.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PARAM_COUNT, PARAMS, type ParamName, initParameters, paramSize } from '../../src/graph/params.js';
import { PYTHON, needs, pythonEnv } from '../helpers/requires.js';

const REFERENCE_DIR = fileURLToPath(new URL('../../tools/reference', import.meta.url));
const SEEDS = [0, 1, 2, 42, 4_294_967_295] as const;

// The seed project's model (tools/reference/seed_lenet.py, argv[2] is its folder); prints every parameter's
// float32 bytes (little-endian, base64) per seed. Exit 3: no torch.
const SNIPPET = `
import base64, json, sys
try:
    import torch
    sys.path.insert(0, sys.argv[2])
    from seed_lenet import LeNet
except ImportError as error:
    print(f"cannot import torch: {error}", file=sys.stderr)
    sys.exit(3)

out = {"torch": torch.__version__, "seeds": {}}
for seed in json.loads(sys.argv[1]):
    torch.manual_seed(seed)
    model = LeNet()
    out["seeds"][str(seed)] = {
        name: {"shape": list(p.shape), "b64": base64.b64encode(p.detach().contiguous().numpy().astype("<f4").tobytes()).decode()}
        for name, p in model.named_parameters()
    }
print(json.dumps(out))
`;

interface TorchInit {
  readonly torch: string;
  readonly seeds: Record<string, Record<ParamName, { shape: number[]; b64: string }>>;
}

function bitsOf(b64: string): Uint32Array {
  const bytes = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Uint32Array(copy.buffer);
}

describe('initParameters vs torch.manual_seed(seed); LeNet()', () => {
  it(`reproduces all ${PARAM_COUNT.toLocaleString('en-US')} initial values bit for bit (seeds ${SEEDS.join(', ')})`, (ctx) => {
    const run = spawnSync(PYTHON, ['-c', SNIPPET, JSON.stringify(SEEDS), REFERENCE_DIR], { encoding: 'utf8', maxBuffer: 1 << 28, env: pythonEnv() });
    const noPython = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (noPython || run.status === 3) needs(ctx, 'torch', noPython ? `${PYTHON} not found` : run.stderr.trim());
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const torch = JSON.parse(run.stdout) as TorchInit;
    expect(PARAM_COUNT).toBe(61_706);

    const report: string[] = [];
    let totalMismatches = 0;
    for (const seed of SEEDS) {
      const ours = initParameters(seed);
      const theirs = torch.seeds[String(seed)];
      expect(Object.keys(theirs)).toEqual(PARAMS.map((p) => p.name));
      let compared = 0;
      for (const spec of PARAMS) {
        const t = theirs[spec.name];
        expect(t.shape, `${spec.name} shape`).toEqual(spec.shape);
        const want = bitsOf(t.b64);
        const mine = ours[spec.name];
        const got = new Uint32Array(mine.buffer, mine.byteOffset, mine.length);
        expect(got.length).toBe(paramSize(spec));
        expect(want.length).toBe(got.length);
        let mismatches = 0;
        let first = -1;
        for (let i = 0; i < got.length; i++) {
          if (got[i] !== want[i]) {
            if (first < 0) first = i;
            mismatches++;
          }
        }
        compared += got.length;
        if (mismatches > 0) {
          const wantValue = new Float32Array(want.buffer)[first];
          report.push(`seed ${seed} ${spec.name}: ${mismatches}/${got.length} differ; first at ${first}: ours ${mine[first]} (0x${got[first].toString(16)}), torch ${wantValue} (0x${want[first].toString(16)})`);
        }
        totalMismatches += mismatches;
      }
      expect(compared).toBe(PARAM_COUNT);
    }
    console.log(`torch ${torch.torch}: initParameters(seed) vs torch.manual_seed(seed); LeNet(), ${SEEDS.length} seeds × ${PARAM_COUNT} values: ${totalMismatches} differ`);
    expect(report, report.join('\n')).toEqual([]);
  });
});
