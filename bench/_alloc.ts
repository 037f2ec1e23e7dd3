import { measureFrameAllocations, frameAllocationTableRow } from "./frameAllocations.js";
for (const which of process.argv.slice(3) as ("viewer-track" | "viewer-idle" | "crowd-16")[]) {
    const row = await measureFrameAllocations(which, Number(process.argv[2]));
    console.log(JSON.stringify(row));
    console.log(JSON.stringify(frameAllocationTableRow(row)));
}
process.exit(0);
