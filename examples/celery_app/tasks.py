"""Demo and test Celery app for Trellis (Celery 5.2, Redis broker and backend).

Configured from the environment so tests can point it at their own redis-server:
CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CELERY_GLOBAL_KEYPREFIX, CELERY_PRIORITY_STEPS.
CELERY_EXTRA_CONF: a JSON object of further settings (tests: control_exchange, secrets in conf).
"""
import json
import os
import random
import time

from celery import Celery

broker = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
app = Celery("tasks", broker=broker, backend=os.environ.get("CELERY_RESULT_BACKEND", broker))

transport_options = {}
if os.environ.get("CELERY_GLOBAL_KEYPREFIX"):
    transport_options["global_keyprefix"] = os.environ["CELERY_GLOBAL_KEYPREFIX"]
if os.environ.get("CELERY_PRIORITY_STEPS"):
    transport_options["priority_steps"] = [int(s) for s in os.environ["CELERY_PRIORITY_STEPS"].split(",")]

app.conf.update(
    broker_transport_options=transport_options,
    task_send_sent_event=True,
    worker_send_task_events=True,
    task_track_started=True,
    result_extended=True,
    task_default_queue="celery",
    task_routes={"tasks.slow_*": {"queue": "slow"}, "tasks.fast_*": {"queue": "fast"}},
    worker_hijack_root_logger=False,
)
if os.environ.get("CELERY_EXTRA_CONF"):
    app.conf.update(json.loads(os.environ["CELERY_EXTRA_CONF"]))


@app.task(name="tasks.add")
def add(x, y):
    return x + y


@app.task(name="tasks.echo")
def echo(value):
    return value


@app.task(name="tasks.xsum")
def xsum(numbers):
    return sum(numbers)


@app.task(name="tasks.fail")
def fail(message="bad thing"):
    raise ValueError(message)


@app.task(name="tasks.sleepy")
def sleepy(seconds, **context):
    """Sleeps; `context` (ignored) lets a running task carry keyword arguments (the redaction test)."""
    time.sleep(seconds)
    return seconds


_held = []


@app.task(name="tasks.hog")
def hog(mb):
    """Keeps `mb` MB more memory alive in the process that ran it (a leak, for the memory-growth alert)."""
    _held.append(b"\x01" * (mb * 1024 * 1024))  # written, so the pages count in RSS
    return sum(len(b) for b in _held) // (1024 * 1024)


@app.task(name="tasks.retry_then_fail", bind=True, max_retries=2)
def retry_then_fail(self):
    """Retries with exponential backoff (0.3 s, 0.6 s), then fails for good."""
    if self.request.retries < self.max_retries:
        raise self.retry(exc=KeyError("attempt %d" % self.request.retries), countdown=0.3 * 2 ** self.request.retries)
    raise ValueError("gave up after %d retries" % self.request.retries)


@app.task(name="tasks.succeed_on_retry", bind=True, max_retries=3)
def succeed_on_retry(self, countdown=0.3):
    """Fails its first attempt and succeeds on the retry (after `countdown` seconds)."""
    if self.request.retries == 0:
        raise self.retry(exc=IOError("flaky backend"), countdown=countdown)
    return "ok after %d retry" % self.request.retries


@app.task(name="tasks.flaky_io", autoretry_for=(ConnectionError,), retry_backoff=1, retry_backoff_max=8,
          retry_jitter=False, max_retries=3)
def flaky_io(p_fail=0.5):
    """Autoretry with Celery's own exponential backoff (1 s, 2 s, 4 s); fails for good after 3 retries."""
    if random.random() < p_fail:
        raise ConnectionError("upstream timed out")
    return "fetched"


@app.task(name="tasks.fast_ping")
def fast_ping():
    return "pong"


@app.task(name="tasks.slow_report", bind=True)
def slow_report(self, seconds=1.0):
    time.sleep(seconds)
    return {"rows": random.randint(1, 1000)}
