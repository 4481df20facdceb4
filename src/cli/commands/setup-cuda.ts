/** `onnx-lenet setup-cuda`: installs onnxruntime-node's CUDA 12 provider with onnxruntime-node's own installer. */
import { Command } from 'commander';
import { CUDA_REQUIREMENTS, setupCuda } from '../../index.js';
import { findCudaRuntimes } from '../../runtime/ort-paths.js';
import { CUDA12_INSTALL_HINT, cudaVersionMismatch } from '../../runtime/cuda-install.js';

export function setupCudaCommand(): Command {
  return new Command('setup-cuda')
    .description(`download onnxruntime-node's CUDA provider (needs network; running it needs ${CUDA_REQUIREMENTS})`)
    .option('--quiet', "do not echo the installer's output", false)
    .action(async (raw: { quiet: boolean }) => {
      const result = await setupCuda({ log: raw.quiet ? undefined : (line) => process.stderr.write(`  ${line}\n`) });
      process.stdout.write(`installed ${result.installed.join(', ')} into ${result.binDir}\n`);
      if (result.unresolved.length > 0) {
        const mismatch = cudaVersionMismatch(result.unresolved, findCudaRuntimes());
        process.stdout.write(mismatch !== undefined
          ? `warning: ${mismatch}; ${CUDA12_INSTALL_HINT}\n`
          : `warning: the CUDA provider cannot load yet: ${result.unresolved.join(', ')} not found; it needs ${CUDA_REQUIREMENTS}\n`);
      }
      process.stdout.write('check with: onnx-lenet doctor\n');
    });
}
