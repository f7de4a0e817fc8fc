// List the UTC-offset changes ical.js (Thunderbird, Nextcloud) reads in feeds' VTIMEZONE blocks.
//
// Usage: node zone_changes.mjs YEAR FILE.ics...
// Prints one JSON object: {"FILE.ics": {"TZID": [{"at": "2026-03-29T01:00:00Z", "from": 3600,
// "to": 7200}]}}, each change of YEAR as the UTC instant ical.js puts it at, with the offsets
// (seconds) before and after: ical.js expands the observances into `changes` (in UTC) when it
// first converts a time of the year.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [year, ...paths] = process.argv.slice(2);
const pad = (n) => String(n).padStart(2, "0");
const result = {};
for (const path of paths) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  result[path] = {};
  for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtimezone);
    zone.utcOffset(new ICAL.Time({ year: Number(year) + 1, month: 1, day: 1 }));
    result[path][zone.tzid] = zone.changes
      .filter((c) => c.year === Number(year) && c.utcOffset !== c.prevUtcOffset)
      .map((c) => ({
        at: `${c.year}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}Z`,
        from: c.prevUtcOffset,
        to: c.utcOffset,
      }));
  }
}
process.stdout.write(JSON.stringify(result));
