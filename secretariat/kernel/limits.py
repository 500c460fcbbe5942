"""Bounds of the numbers people and clients send, in one place: each form and
serializer field that takes a count or a year applies them, so that an
out-of-range value is refused next to its field instead of overflowing a
database column (a server error)."""

# PostgreSQL's ``integer`` and ``smallint`` columns.
MAX_INTEGER = 2**31 - 1
MAX_SMALLINT = 2**15 - 1

# Units of one requirement, lot, bid, milestone or delivery: far above any
# real order, well inside an ``integer`` column (and its sums in ``bigint``).
MAX_QUANTITY = 10_000_000

# A standstill longer than a year is a typing slip; the service applies the
# Coalition's own minimum and maximum within it.
MAX_STANDSTILL_DAYS = 365

# Pledge years.
MIN_YEAR = 2000
MAX_YEAR = 2100
