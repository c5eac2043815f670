"""Model fields of the monitoring app."""

from __future__ import annotations

from django.db import models


class RowIdField(models.BigAutoField):
    """A 64-bit automatic primary key that on SQLite is the plain rowid, without ``AUTOINCREMENT``.

    Why: with ``AUTOINCREMENT`` SQLite also reads and rewrites its ``sqlite_sequence`` table for every
    insert; on the receiver's busiest tables (measurements, raw packets) that was about a fifth of the
    cost of an upserted row (benchmarks/bench_receiver.py). Without it a new id is the largest id plus
    one, so ids still grow unless the newest row is deleted; nothing refers to these rows by id, and
    replay orders raw packets by id only among rows that exist. PostgreSQL is unchanged (an identity).
    """

    def db_type_suffix(self, connection):
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)
