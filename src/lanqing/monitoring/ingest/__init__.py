"""Ingest: frames the receiver got → raw packets, measurements and device states in the database.

One module per job. The package re-exports nothing: an import names the module that does the job, and
importing one job (the offline marking, say) does not load the others.

* ``batch`` — :func:`~batch.ingest_batch`, the one function the receiver's writer calls per batch;
* ``decide`` — per frame: accepted or rejected, the reply owed, the raw packet's row;
* ``decode`` — what an accepted packet stores, as rows;
* ``devices`` — the receiver's copy of the device registry (:class:`~devices.DeviceCache`);
* ``write`` — which table each kind of row goes to; ``sql`` — the multi-row INSERT for SQLite and
  PostgreSQL underneath; ``times`` — DataTimes and arrival times as the database driver takes them;
* ``deferred`` — measurements written a moment after their acknowledgement, and recovery after a crash;
* ``replay`` — stored raw packets decoded again (``lanqing replay``);
* ``offline`` — devices gone silent marked offline.

Rows are written through the database drivers rather than the ORM, because the receiver's goal is
≥ 10,000 packets/s on SQLite: multi-row statements on SQLite, ``COPY`` on PostgreSQL (``sql``); upserts
use ``ON CONFLICT … DO UPDATE`` on both.
"""
