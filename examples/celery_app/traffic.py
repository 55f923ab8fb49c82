"""Steady, realistic demo traffic until killed (Ctrl-C or SIGTERM).

Every second or so: several quick successes, now and then a failure, a task that retries and then
fails, one that succeeds on its retry, an autoretrying task with Celery's exponential backoff,
ETA/countdown tasks, a high-priority task, a chord or a chain, and a steady stream into the `slow`
queue, which its single slow worker cannot drain (the unbalanced queue).

Configured like tasks.py (CELERY_BROKER_URL, ...). TRAFFIC_RATE scales the pace (default 1.0).
"""
import os
import random
import signal
import sys
import time

from celery import chain, chord, group

from tasks import add, echo, fail, fast_ping, flaky_io, retry_then_fail, slow_report, succeed_on_retry, xsum

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
rate = float(os.environ.get("TRAFFIC_RATE", "1.0"))


def tick_once(tick):
    for _ in range(random.randint(3, 8)):
        add.delay(random.randint(0, 100), random.randint(0, 100))
    fast_ping.delay()
    if tick % 5 == 0:
        fail.delay("invalid order #%d" % random.randint(1000, 9999))
    if tick % 9 == 0:
        retry_then_fail.delay()
    if tick % 6 == 0:
        succeed_on_retry.delay()
    if tick % 7 == 0:
        flaky_io.delay(0.5)
    if tick % 4 == 0:
        echo.apply_async(("reminder %d" % tick,), countdown=random.randint(5, 30))
    if tick % 10 == 0:
        add.apply_async((tick, 0), priority=9)
    if tick % 15 == 0:
        chord(group(add.s(i, i) for i in range(4)), xsum.s()).apply_async()
    if tick % 20 == 0:
        chain(add.s(1, 1), add.s(2), add.s(3)).apply_async()
    slow_report.delay(random.uniform(1.5, 3.0))  # ~1/s into `slow`, drained at ~0.4/s by one process


def run():
    tick = 0
    while True:
        tick += 1
        try:
            tick_once(tick)
        except Exception as exc:  # broker restarts in the demo: keep going
            print("traffic: %r; retrying in 2 s" % (exc,), file=sys.stderr, flush=True)
            time.sleep(2)
        time.sleep(random.uniform(0.7, 1.3) / rate)


if __name__ == "__main__":
    try:
        run()
    except KeyboardInterrupt:
        pass
