"""The HJ 212 receiver: an asyncio TCP server around the sans-I/O ``lanqing.hj212`` codec.

``server`` owns sockets and limits, ``writer`` makes frames durable with group commit (one thread, one
transaction per batch), ``hostside`` decides which commands the platform sends a connected device, and
``monitoring.ingest`` turns each frame into a raw packet and measurements.
"""
