# METADATA
# description: >-
#   Maintenance windows per environment (data.maintenance.windows), judged on input.time
#   (the service's clock; decision tests set it with `now`). Times are UTC, `end` exclusive.
package gatehouse.maintenance

import data.gatehouse.inventory

now_ns := time.parse_rfc3339_ns(input.time)

weekday := time.weekday(now_ns)

minute_of_day := (time.clock(now_ns)[0] * 60) + time.clock(now_ns)[1]

to_minutes(hhmm) := (to_number(split(hhmm, ":")[0]) * 60) + to_number(split(hhmm, ":")[1])

open if {
	some window in data.maintenance.windows[inventory.env]
	weekday in window.days
	minute_of_day >= to_minutes(window.start)
	minute_of_day < to_minutes(window.end)
}
