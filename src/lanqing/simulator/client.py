"""The asyncio side of a simulated device: connect, send on schedule, answer the host, inject faults."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lanqing import hj212
from lanqing.hj212 import Framer
from lanqing.simulator.device import SimDevice

log = logging.getLogger("lanqing.simulator")


@dataclass
class SimStats:
    sent: int = 0
    acked: int = 0
    commands: int = 0
    reconnects: int = 0
    connected: bool = False  # reached the receiver at least once


@dataclass
class SimClient:
    device: SimDevice
    host: str
    port: int
    speed: float = 1.0
    rng: random.Random = field(default_factory=random.Random)
    stats: SimStats = field(default_factory=SimStats)
    ack_timeout: float = 10.0  # HJ 212-2017 Table 1: 10 s, 3 retries over mobile networks
    start_utc: datetime = field(default_factory=lambda: datetime.now(UTC))
    _writer: asyncio.StreamWriter | None = None
    _acks: dict[str, asyncio.Future] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _t0: float = 0.0

    # --- simulated time -------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Platform UTC time in the simulation (runs ``speed`` times faster than the wall clock)."""
        elapsed = asyncio.get_running_loop().time() - self._t0
        return self.start_utc + timedelta(seconds=elapsed * self.speed)

    async def sleep_until(self, utc: datetime) -> None:
        delay = (utc - self.now()).total_seconds() / self.speed
        if delay > 0:
            await asyncio.sleep(delay)

    # --- connection -----------------------------------------------------------------------------------

    async def connect(self) -> None:
        delay = 1.0
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                break
            except OSError as exc:
                log.warning(
                    "%s: cannot connect to %s:%d (%s); retrying", self.device.mn, self.host, self.port, exc
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
        self._writer = writer
        self.stats.connected = True
        asyncio.get_running_loop().create_task(self._read(reader))

    async def disconnect(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def send(self, frame: bytes, *, wait_ack: bool = False) -> bool:
        """Sends one frame (with the configured faults); True when no ack was wanted or it came."""
        if self._writer is None:
            await self.connect()
        writer = self._writer
        assert writer is not None
        qn = _qn_of(frame)
        waiter = None
        if wait_ack and qn:
            waiter = self._acks[qn] = asyncio.get_running_loop().create_future()
        async with self._lock:  # one frame at a time on the wire, even with command answers interleaved
            faults = self.device.faults
            if "junk" in faults and self.rng.random() < 0.05:
                writer.write(b"\x00\x01GARBAGE\xff" * self.rng.randint(1, 4))
            if "bad-crc" in faults and self.rng.random() < 0.05:
                frame = frame[:-6] + (b"0000" if frame[-6:-2] != b"0000" else b"FFFF") + b"\r\n"
            if "slow" in faults:
                for i in range(0, len(frame), 8):
                    writer.write(frame[i : i + 8])
                    await writer.drain()
                    await asyncio.sleep(0.02)
            elif "split" in faults and len(frame) > 10:
                cut = self.rng.randint(1, len(frame) - 1)
                writer.write(frame[:cut])
                await writer.drain()
                await asyncio.sleep(0.01)
                writer.write(frame[cut:])
            else:
                writer.write(frame)
            await writer.drain()
        self.stats.sent += 1
        if waiter is None:
            return True
        try:
            await asyncio.wait_for(waiter, self.ack_timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._acks.pop(qn, None)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        framer = Framer()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for item in framer.feed(data):
                    if isinstance(item, hj212.Frame):
                        packet = hj212.parse_frame(item, key=self.device.key)
                        if isinstance(packet, hj212.Packet):
                            self._on_packet(packet)
        except (ConnectionError, OSError):
            pass
        finally:
            self._writer = None

    def _on_packet(self, packet: hj212.Packet) -> None:
        cn = packet.header.cn or ""
        if cn in ("9014", "9013", "9011"):
            qn = packet.request_qn if isinstance(packet, hj212.Reply) else packet.header.qn
            waiter = self._acks.get(qn or "")
            if waiter is not None and not waiter.done():
                waiter.set_result(packet)
                self.stats.acked += 1
            return
        self.stats.commands += 1
        asyncio.get_running_loop().create_task(self._answer(packet))

    async def _answer(self, packet: hj212.Packet) -> None:
        for frame, wait in self.device.answer(packet, self.now()):
            if not await self.send(frame, wait_ack=wait):
                log.info("%s: no 9014 for a history packet; stopping the answer", self.device.mn)
                return

    # --- the schedule ---------------------------------------------------------------------------------

    async def run(self, *, duration: float | None = None) -> None:
        """Realtime every RtdInterval, minute data every MinInterval, hourly data after each hour."""
        self._t0 = asyncio.get_running_loop().time()
        end = self.start_utc + timedelta(seconds=duration * self.speed) if duration else None
        device = self.device
        minute = timedelta(minutes=device.min_interval)
        clock = device.clock(self.now())
        next_rtd = clock
        next_min = _ceil(clock, minute)
        next_hour = _ceil(clock, timedelta(hours=1))
        offline_until: datetime | None = None
        await self.connect()
        while end is None or self.now() < end:
            event = min(next_rtd, next_min, next_hour)
            await self.sleep_until((event - CHINA_OFFSET - device.clock_offset).replace(tzinfo=UTC))
            if "offline" in device.faults and offline_until is None and self.rng.random() < 0.002:
                offline_until = event + timedelta(hours=self.rng.randint(1, 3))
                await self.disconnect()
            if offline_until is not None and event >= offline_until:
                offline_until = None
            online = offline_until is None
            if event == next_rtd:
                if online and device.realtime_on and not device.silent(event):
                    await self.send(device.realtime(event))
                next_rtd += timedelta(seconds=device.rtd_interval)  # the host may have changed it
            elif event == next_min:
                if online and not device.silent(event - minute):
                    await self.send(device.minute(event - minute), wait_ack=True)
                minute = timedelta(minutes=device.min_interval)
                next_min += minute
            else:
                start = event - timedelta(hours=1)
                if device.silent(start):
                    pass  # the hour the device was off: nothing to send, now or on request
                elif online:
                    for frame in device.hourly(start, qn=hj212.new_qn(event)):
                        await self.send(frame, wait_ack=True)
                else:
                    device.missed_hours.add(start)
                next_hour += timedelta(hours=1)
        await self.disconnect()


CHINA_OFFSET = timedelta(hours=8)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    base = moment.replace(minute=0, second=0, microsecond=0)
    while base <= moment:
        base += step
    return base


def _qn_of(frame: bytes) -> str:
    at = frame.find(b"QN=")
    return frame[at + 3 : at + 20].decode("ascii", "replace") if at != -1 else ""
