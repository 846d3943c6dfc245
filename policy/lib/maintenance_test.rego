package gatehouse.maintenance_test

import data.gatehouse.maintenance

staging(time) := {"resource": {"type": "Database", "id": "orders-staging"}, "time": time}

test_weekday_window_opens_at_two if {
	maintenance.open with input as staging("2026-11-25T02:00:00Z")
}

test_weekday_window_closes_at_four if {
	not maintenance.open with input as staging("2026-11-25T04:00:00Z")
}

test_weekend_is_open_all_day if {
	maintenance.open with input as staging("2026-11-29T23:59:59Z")
}

test_time_zone_offsets_are_respected if {
	# 04:30+02:00 is 02:30 UTC, inside the window.
	maintenance.open with input as staging("2026-11-25T04:30:00+02:00")
}

test_production_has_no_window if {
	not maintenance.open with input as {"resource": {"type": "Database", "id": "orders"}, "time": "2026-11-28T03:00:00Z"}
}
