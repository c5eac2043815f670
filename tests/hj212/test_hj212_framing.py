from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from lanqing.hj212 import Frame, Framer, Reason, Rejection
from lanqing.hj212.build import build_frame, frame_segment

A = b"##0094QN=20231008125115215;ST=22;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&CC01\r\n"
B = b"##0087QN=20201015123632010;ST=91;CN=9014;PW=123456;MN=410183160889201000212505;Flag=4;CP=&&&&f001\r\n"


def feed_all(chunks, **options) -> list[Frame | Rejection]:
    framer = Framer(**options)
    out: list[Frame | Rejection] = []
    for chunk in chunks:
        out += framer.feed(chunk)
    return out + framer.close()


def accounted(items) -> int:
    return sum(len(item.raw) if isinstance(item, Frame) else item.size for item in items)


def test_two_frames_in_one_read_come_out_as_two_frames():
    assert [item.raw for item in feed_all([A + B])] == [A, B]


def test_a_frame_split_byte_by_byte_comes_out_whole():
    assert [item.raw for item in feed_all([bytes([b]) for b in A])] == [A]


@given(st.lists(st.integers(min_value=0, max_value=len(A + B + A)), max_size=12))
def test_any_split_of_a_stream_yields_the_same_frames(cuts):
    stream = A + B + A
    bounds = [0, *sorted(cuts), len(stream)]
    chunks = [stream[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    assert [item.raw for item in feed_all(chunks)] == [A, B, A]


def test_junk_between_frames_is_reported_once_and_the_frames_survive():
    items = feed_all([b"\x00\x01garbage" + A + b"  \r\n" + B])
    assert [type(item) for item in items] == [Rejection, Frame, Rejection, Frame]
    assert items[0].reason is Reason.JUNK
    assert items[0].size == 9
    assert items[2].raw == b"  \r\n"


def test_a_hash_pair_without_digits_is_junk_and_the_real_frame_after_it_is_found():
    items = feed_all([b"##AB##" + A])
    assert items[0].reason is Reason.JUNK
    assert items[1].raw == A


def test_a_length_field_that_lies_still_frames_on_crlf():
    lying = b"##0100;QN=20231101120000000;ST=91;CN=9014;PW=123456;MN=88888880000001;Flag=0;CP=&&&&;ABCD\r\n"
    items = feed_all([lying + A])
    assert [item.raw for item in items] == [lying, A]
    assert items[0].declared_length == 100


def test_a_frame_without_crlf_ends_at_the_next_header():
    items = feed_all([A[:-2] + B])
    assert items[0].raw == A[:-2]
    assert not items[0].terminated
    assert items[0].segment == A[6:-6]
    assert items[0].crc_field == b"CC01"
    assert items[1].raw == B


def test_a_frame_without_crlf_at_the_end_of_the_stream_is_flushed_by_close():
    framer = Framer()
    assert framer.feed(A[:-2]) == []
    [frame] = framer.close()
    assert frame.raw == A[:-2]
    assert not frame.terminated


def test_a_stream_that_ends_inside_a_frame_is_a_truncated_rejection():
    framer = Framer()
    framer.feed(A[:40])
    [rejection] = framer.close()
    assert rejection.reason is Reason.TRUNCATED
    assert rejection.raw == A[:40]


def test_a_frame_cut_short_by_a_device_restart_does_not_swallow_the_next_frame():
    items = feed_all([A[:50] + B])
    assert items[0].raw == A[:50]
    assert items[1].raw == B


def test_segments_over_1024_bytes_are_framed_not_dropped():
    big = build_frame(
        cn="2011", st="31", mn="M", pw="P", cp="DataTime=20200101000000;" + "a01012-Rtd=1.0;" * 100
    )
    assert int(big[2:6]) > 1024
    assert [item.raw for item in feed_all([big])] == [big]


def test_a_megabyte_without_crlf_is_discarded_in_bounded_memory_and_reported():
    framer = Framer(max_length=4096)
    junk = b"##0500" + b"x" * (1 << 20)
    tracemalloc.start()
    items = []
    for start in range(0, len(junk), 4096):
        items += framer.feed(junk[start : start + 4096])
        assert framer.buffered <= 4096 + 12 + 4096
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    items += framer.feed(A)
    assert peak < 200_000
    assert items[0].reason is Reason.OVERFLOW
    assert all(item.reason is Reason.JUNK for item in items[1:-1])
    assert items[-1].raw == A
    assert accounted(items) == len(junk) + len(A)


def test_a_frame_longer_than_max_length_is_an_overflow():
    long_frame = frame_segment(b"QN=1;ST=22;CN=2011;PW=1;MN=1;CP=&&" + b"a" * 300 + b"&&")
    items = feed_all([long_frame + A], max_length=200)
    assert items[0].reason is Reason.OVERFLOW
    assert items[-1].raw == A


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(st.binary(max_size=60), st.sampled_from([A, B, b"##", b"\r\n", b"##0", b"##0087"])),
        max_size=20,
    )
)
def test_every_fed_byte_ends_in_exactly_one_frame_or_rejection(chunks):
    items = feed_all(chunks, max_length=300)
    assert accounted(items) == sum(map(len, chunks))
    for item in items:
        assert isinstance(item, Frame | Rejection)


@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=64))
def test_random_bytes_never_raise_and_keep_the_buffer_bounded(noise, step):
    framer = Framer(max_length=500)
    for start in range(0, len(noise), step):
        framer.feed(noise[start : start + step])
        assert framer.buffered <= 500 + 12 + step
    framer.close()
    assert framer.buffered == 0


def test_a_cut_frame_whose_length_ends_on_the_next_frames_cr_lf_does_not_swallow_that_frame():
    # The cut frame's length field points exactly at B's CR LF (found by the fuzzing of bench_attack.py).
    declared = len(B) - 12 + 8
    cut = b"##%04dQN" % declared
    items = feed_all([cut + B])
    assert [type(item) for item in items][-1] is Frame
    assert items[-1].raw == B
    assert items[0].raw == cut
    assert not items[0].terminated
