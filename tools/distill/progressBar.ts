/**
 * A terminal progress bar for the command-line tools: redraws one line on a TTY, prints a line per stage otherwise.
 */

/**
 * Creates a progress callback writing to stderr.
 * @param stream output (default process.stderr)
 * @returns a callback taking a stage name, work done and work total
 */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): (stage: string, done: number, total: number) => void {
    let lastStage = "";
    let lastDraw = 0;
    return (stage, done, total) => {
        const fraction = total > 0 ? Math.min(1, done / total) : 1;
        if (stream.isTTY) {
            const now = Date.now();
            if (now - lastDraw < 50 && done < total && stage === lastStage) {
                return;
            }
            lastDraw = now;
            const width = 30;
            const filled = Math.round(fraction * width);
            stream.write(`\r${stage.padEnd(24).slice(0, 24)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total}`);
            if (done >= total) {
                stream.write("\n");
            }
        } else if (stage !== lastStage || done >= total) {
            stream.write(`${stage}: ${done}/${total}\n`);
        }
        lastStage = stage;
    };
}
