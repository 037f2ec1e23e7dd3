/**
 * GEM distillation command: `npm run distill -- --help`. See tools/distill/distillCommand.ts.
 */
import { DistillUsage, runDistillCommand } from "./distill/distillCommand.js";
import { createProgressBar } from "./distill/progressBar.js";

const argv = process.argv.slice(2);
if (argv.length === 0 || argv.includes("--help")) {
    console.log(DistillUsage);
} else {
    try {
        const { lines } = runDistillCommand(argv, createProgressBar());
        console.log(lines.join("\n"));
    } catch (error) {
        console.error(`distill: ${(error as Error).message}`);
        process.exitCode = 1;
    }
}
