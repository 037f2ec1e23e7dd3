/**
 * `npm run bench:room`: the room server load table alone (a few minutes), printed and written as JSON under
 * bench/results/. `npm run bench` runs it too.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { measureRoomLoadTable, roomLoadTableRow, roomLoadTitle } from "./roomLoad.js";
import { table } from "./table.js";

const smoke = process.argv.includes("--smoke");
const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version };
console.log(`machine: ${JSON.stringify(machine)}`);
const rows = await measureRoomLoadTable(smoke, (row) => console.log(JSON.stringify(roomLoadTableRow(row))));
table(roomLoadTitle, rows.map(roomLoadTableRow));
const outDir = resolve(import.meta.dirname, "results");
mkdirSync(outDir, { recursive: true });
const path = resolve(outDir, `room-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(path, JSON.stringify({ date: new Date().toISOString(), machine, roomLoad: rows }, null, 2));
console.log(`\nwrote ${path}`);
process.exit(0);
