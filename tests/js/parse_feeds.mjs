// Parse calendar feeds with ical.js, the parser behind Thunderbird and Nextcloud's web calendar.
//
// Usage: node parse_feeds.mjs FILE.ics...
// Prints one JSON object: {"FILE.ics": {"problems": [...], "events": [...]}} where each event is
// {uid, sequence, status, summary, start, end} with start/end as UTC ISO strings. A problem is
// anything a subscriber would see wrongly: a parse error, a missing UID, a floating time (a TZID
// that ical.js could not resolve), an end before the start.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const result = {};
for (const path of process.argv.slice(2)) {
  const problems = [];
  const events = [];
  try {
    const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
    if (root.name !== "vcalendar") problems.push(`root component is ${root.name}`);
    for (const vevent of root.getAllSubcomponents("vevent")) {
      const event = new ICAL.Event(vevent);
      const uid = event.uid;
      if (!uid) problems.push("VEVENT without UID");
      for (const [name, time] of [["DTSTART", event.startDate], ["DTEND", event.endDate]]) {
        if (!time) {
          problems.push(`${uid}: no ${name}`);
        } else if (!time.zone || time.zone.tzid === "floating") {
          problems.push(`${uid}: ${name} is floating`);
        }
      }
      if (!event.startDate || !event.endDate) continue;
      const start = event.startDate.toJSDate();
      const end = event.endDate.toJSDate();
      if (end <= start) problems.push(`${uid}: DTEND is not after DTSTART`);
      events.push({
        uid,
        sequence: event.sequence,
        status: vevent.getFirstPropertyValue("status"),
        summary: event.summary,
        start: start.toISOString(),
        end: end.toISOString(),
      });
    }
  } catch (error) {
    problems.push(`parse error: ${error}`);
  }
  result[path] = { problems, events };
}
process.stdout.write(JSON.stringify(result));
