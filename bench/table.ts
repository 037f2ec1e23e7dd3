/** Prints rows as an aligned text table under a title. */
export function table(title: string, rows: Record<string, string | number>[]): void {
    console.log(`\n${title}`);
    if (rows.length === 0) {
        return;
    }
    const keys = Object.keys(rows[0]);
    const cell = (v: string | number) => (typeof v === "number" ? (Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(3)) : v);
    const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(cell(r[k])).length)));
    console.log(keys.map((k, i) => k.padEnd(widths[i])).join("  "));
    for (const row of rows) {
        console.log(keys.map((k, i) => String(cell(row[k])).padEnd(widths[i])).join("  "));
    }
}
