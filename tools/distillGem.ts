/**
 * GEM distillation command: `npm run distill -- --help`. See tools/distill/distillCommand.ts.
 */
import { DistillUsage, runDistillCommand } from "./distill/distillCommand.js";
import { createProgressBar } from "./distill/progressBar.js";
import { runLamDistillCommand } from "./distill/lamDistillation.js";

const argv = process.argv.slice(2);
if (argv.length === 0 || argv.includes("--help")) {
    console.log(DistillUsage);
} else {
    try {
        // LAM zips need Babylon's glTF loader (asynchronous); every other input is read synchronously.
        const lines = argv.includes("--lam") ? await runLamDistillCommand(argv, createProgressBar()) : runDistillCommand(argv, createProgressBar()).lines;
        console.log(lines.join("\n"));
    } catch (error) {
        console.error(`distill: ${(error as Error).message}`);
        process.exitCode = 1;
    }
}
