"""Paced sending with a fake sender and a fake clock: per-chat and overall limits, 429 waited
out, 403 skipped and recorded, a stop between messages. No wall-clock time is involved."""

from __future__ import annotations

import itertools
from collections import defaultdict

from bot.broadcast import BLOCKED, NOT_SENT, SENT, Broadcaster, Delivery, Outgoing, Part
from tests.scheduling.conftest import FakeSender, FakeTime


def timed(sender: FakeSender, fake_time: FakeTime) -> tuple[Broadcaster, list[tuple[float, int]]]:
    moments: list[tuple[float, int]] = []

    async def send(chat_id: int, part: Part) -> None:
        await sender(chat_id, part)
        moments.append((fake_time.now, chat_id))

    return Broadcaster(send, sleep=fake_time.sleep, monotonic=fake_time.monotonic), moments


async def test_pacing_per_chat_and_overall(sender: FakeSender, fake_time: FakeTime) -> None:
    broadcaster, moments = timed(sender, fake_time)
    messages = [
        Outgoing(chat_id, (Part(photo=b"png"), Part(text="a"), Part(text="b")), ref=chat_id)
        for chat_id in range(1, 101)
    ]
    results = await broadcaster.deliver(messages)
    assert [r.outcome for r in results] == [SENT] * 100
    assert len(sender.sent) == 300
    by_chat: dict[int, list[float]] = defaultdict(list)
    for moment, chat_id in moments:
        by_chat[chat_id].append(moment)
    for times in by_chat.values():
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    # at most 30 sends in any one-second window
    stamps = [m for m, _ in moments]
    for index, start in enumerate(stamps):
        assert sum(1 for s in stamps[index:] if s < start + 1.0) <= 30
    # parts of one message arrive in order
    for chat_id in (1, 50, 100):
        assert [p.text for c, p in sender.sent if c == chat_id] == [None, "a", "b"]


async def test_429_is_waited_out_and_sent_again(sender: FakeSender, fake_time: FakeTime) -> None:
    broadcaster, _ = timed(sender, fake_time)
    sender.flood[2] = 2
    results = await broadcaster.deliver([Outgoing(c, (Part(text="hi"),)) for c in (1, 2, 3)])
    assert [r.outcome for r in results] == [SENT, SENT, SENT]
    assert fake_time.sleeps.count(7.0) == 2
    assert [c for c, _ in sender.sent] == [1, 2, 3]  # once each, nothing repeated


async def test_403_is_skipped_recorded_and_the_run_goes_on(
    sender: FakeSender, fake_time: FakeTime
) -> None:
    broadcaster, _ = timed(sender, fake_time)
    sender.blocked.add(2)
    recorded: list[Delivery] = []
    started: list[int] = []

    async def on_result(delivery: Delivery) -> None:
        recorded.append(delivery)

    async def before_send(message: Outgoing) -> None:
        started.append(message.chat_id)

    await broadcaster.deliver(
        [Outgoing(c, (Part(text="x"), Part(text="y"))) for c in (1, 2, 3)],
        before_send=before_send,
        on_result=on_result,
    )
    outcomes = {d.message.chat_id: d.outcome for d in recorded}
    assert outcomes == {1: SENT, 2: BLOCKED, 3: SENT}
    assert "blocked" in (next(d.error for d in recorded if d.message.chat_id == 2) or "")
    assert sorted(started) == [1, 2, 3]
    assert [c for c, _ in sender.sent].count(2) == 0


async def test_a_stop_leaves_the_rest_unsent(sender: FakeSender, fake_time: FakeTime) -> None:
    broadcaster, _ = timed(sender, fake_time)
    results = await broadcaster.deliver(
        [Outgoing(c, (Part(text="x"),)) for c in range(1, 6)],
        should_stop=lambda: len(sender.sent) >= 2,
    )
    outcomes = [r.outcome for r in results]
    assert outcomes.count(SENT) == 2 and outcomes.count(NOT_SENT) == 3
