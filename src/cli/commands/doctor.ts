/** `onnx-lenet doctor [--json] [--require <ep...>]`: which execution providers work here, and the fix for each that does not. */
import { Command } from 'commander';
import { formatDoctorReport, parseExecutionProvider, runDoctor } from '../../index.js';

interface DoctorOptions {
  readonly json: boolean;
  readonly require: readonly string[];
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check which execution providers (cpu, cuda, webgpu) this installation can use, and how to fix the others')
    .option('--json', 'print the report as JSON', false)
    .option('--require <ep...>', 'fail (exit 1) unless these providers are usable', [])
    .action(async (raw: DoctorOptions) => {
      const required = raw.require.map(parseExecutionProvider);
      const report = await runDoctor();
      process.stdout.write(raw.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
      const unusable = report.providers.filter((p) => required.includes(p.ep) && !p.usable).map((p) => p.ep);
      if (unusable.length > 0) throw new Error(`required provider(s) not usable: ${unusable.join(', ')}`);
    });
}
