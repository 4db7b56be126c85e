/**
 * Differences the suite knows about, per path: `file#uid` (or a file) → why it differs. Anything
 * differing or missing that is not listed here fails the suite.
 */
const CANCELLED = "a cancelled event (STATUS:CANCELLED): Hetk copies no cancelled events, by design";
const UNTIL_BEFORE_START = "RRULE UNTIL before DTSTART: Hetk reads a series with no occurrence, ical.js still shows DTSTART";
const BOTH_CALDAV = {
  "radicale/event10.ics#event10": CANCELLED,
  "khal/event_dt_rrule_until_before_start.ics#V042MJ8B3SJNFXQOJL6P53OFMHJE8Z3VZWOV": UNTIL_BEFORE_START,
};
const MIXED = "DATE and DATE-TIME mixed in one series (RDATE/RECURRENCE-ID of the other kind): an occurrence of the other kind is dropped";

export const KNOWN: Record<string, Record<string, string>> = {
  "read → write (in process)": {
    "libical/2.ics#uid3@host1.com": "RRULE UNTIL without seconds (19970324T1200Z): refused as bad data with the reason in the activity log",
    "libical/restriction.ics#19970901T130000Z-123401@host.com": "RRULE UNTIL without seconds: refused as bad data with the reason in the activity log",
  },
  "CalDAV → CalDAV (verbatim)": {
    ...BOTH_CALDAV,
    "libical/2.ics#uid3@host1.com": "RRULE UNTIL without seconds: skipped as bad data (activity-log entry)",
    "libical/restriction.ics#19970901T130000Z-123401@host.com": "RRULE UNTIL without seconds: skipped as bad data (activity-log entry)",
  },
  "CalDAV → CalDAV (Xandikos)": {
    ...BOTH_CALDAV,
    // Xandikos (Debian 0.2.x) re-serialises what it is given through python-icalendar: not verbatim.
    "khal/event_dt_mixed_awareness.ics#http://wiki.hamburg.ccc.de/Termin:Junghackertag":
      "Xandikos drops the Z of DTEND;TZID=Europe/Berlin:…T160000Z on PUT (16:00 UTC becomes 16:00 Berlin): the server's change, copied as stored",
    "radicale/event_rdate_period_start_stop.ics#test-rdate-period-time-start-stop":
      "Xandikos stores the malformed period (trailing /) as RDATE:None: Hetk skips it as bad data, with the reason in the activity log",
  },
  "CalDAV → CalDAV (Radicale)": {
    ...BOTH_CALDAV,
    "radicale/event_mixed_datetime_and_date.ics#event_mixed_datetime_and_date": MIXED,
  },
  "iCloud → Google → iCloud": {
    ...BOTH_CALDAV,
    "khal/cal_lots_of_timezones.ics": "an override moved onto another occurrence's time: Google keeps one of the two",
    "khal/part1.ics": "an override moved onto another occurrence's time: Google keeps one of the two",
    "radicale/event6.ics": "an RDATE on a series: Google's recurrence drops it (not yet investigated)",
    "radicale/event_mixed_datetime_and_date.ics": MIXED,
    "radicale/event_mixed_recurrence_id_dt_type.ics": MIXED,
    "pyrecur/issue_28_rrule_with_UTC_endinginZ.ics": MIXED,
    "khal/event_rrule_no_occurence.ics": "every occurrence excluded: nothing to show, Google stores nothing (not logged)",
    "radicale/event_full_day_rrule_until_before_dtstart.ics": UNTIL_BEFORE_START,
  },
  "iCloud → Microsoft → iCloud": {
    ...BOTH_CALDAV,
    "radicale/event_mixed_recurrence_id_dt_type.ics": MIXED,
    "pyrecur/issue_28_rrule_with_UTC_endinginZ.ics": MIXED,
    "khal/event_rrule_no_occurence.ics": "every occurrence excluded: nothing to show, Graph stores nothing (not logged)",
    "radicale/event_full_day_rrule_until_before_dtstart.ics": UNTIL_BEFORE_START,
  },
};
