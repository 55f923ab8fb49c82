"""Publishes a scenario of real tasks and prints ONE JSON line with the ids it created.

Usage: /usr/bin/python3 driver.py <scenario> [args] [--wait]
  workload            successes, a failure, retries (ending in failure and in success),
                      an ETA task, revoked tasks (terminated while running; revoked before its ETA),
                      a chord and a chain. Needs a prefork worker on `fast` (for the terminate) and
                      one on `celery`.
  burst N             N quick adds.
  sleepers N SECONDS  N tasks that each sleep SECONDS (no wait).
  queue-only QUEUE N  N adds published to QUEUE (nobody needs to consume it).
  priorities QUEUE N  N adds to QUEUE with priorities 0..9 in turn (every priority band gets some).
  queue-mix QUEUE     one each of: plain, ETA (countdown 1 h), priority 7, expiring (1 h), with
                      kwargs, published to QUEUE; also prints the list key of each message.
  held QUEUE N        N ETA tasks (countdown 1 h) to QUEUE: a worker holds them in `unacked`.
  retry-pending       a task that fails its first attempt and retries in 1 h (RETRY in the backend).
  revoke [--terminate] ID...   broadcasts a revoke for the ids.
  states ID...        the backend state of each id (with --wait: until all are final).
  failures N          N tasks that fail at once (tasks.fail).
  fail-to QUEUE LENGTH N   N tasks.fail to QUEUE whose message is LENGTH characters (its argsrepr is
                      truncated past 1,024), with --wait.
  retry-fail N        N tasks that retry twice and then fail for good (tasks.retry_then_fail).
  hog MB [QUEUE]      one task that keeps MB more memory in the worker process (tasks.hog).
  add-consumer QUEUE WORKER   asks WORKER to start consuming QUEUE (control add_consumer).
  trickle QUEUE RATE SECONDS TASK_SECONDS   RATE sleepy(TASK_SECONDS) tasks a second to QUEUE for SECONDS.
  secrets SECRET CARD  tasks carrying SECRET and CARD: an echo (args) and a failure (kwargs, SECRET in
                      its exception message), waited for; then a running sleepy(6), a reserved sleepy,
                      an ETA echo (countdown 1 h) and an echo to the queue `nobody` (nobody consumes it).
  workflow-nested     chain -> chord (header: a task and a chord whose body is a group) -> group,
                      three levels; waited for (every task final). Prints {"root": id}.
  workflow-chord-fail a chord whose header member fails: the callback gets ChordError and never runs.
  workflow-revoked    a chord with a member revoked (terminated) while it runs.
  workflow-big N      a group of N adds under one root (the workflow API benchmark).
--wait waits (60 s at most) for the final states and adds "states": {id: state}.
"""
import json
import sys
import time

from celery import chain, chord, group

from tasks import add, app, echo, fail, hog, retry_then_fail, sleepy, succeed_on_retry, xsum


def wait_all(ids, timeout=60):
    deadline = time.time() + timeout
    final = {"SUCCESS", "FAILURE", "REVOKED"}
    while time.time() < deadline:
        states = {i: app.AsyncResult(i).state for i in ids}
        if all(s in final for s in states.values()):
            return states
        time.sleep(0.2)
    return {i: app.AsyncResult(i).state for i in ids}


def workload(wait):
    out = {}
    out["success"] = [add.delay(i, i).id for i in range(3)]
    out["failure"] = fail.delay("bad thing").id
    out["retry_fail"] = retry_then_fail.delay().id
    out["retry_success"] = succeed_on_retry.delay().id
    out["eta"] = echo.apply_async(("later",), countdown=2).id
    # Revoked while running (terminate), and revoked while held for its ETA.
    # On the prefork-only `fast` queue: terminate signals a pool process (a threads pool can't).
    running = sleepy.apply_async((30,), queue="fast")
    deadline = time.time() + 20
    while app.AsyncResult(running.id).state != "STARTED" and time.time() < deadline:
        time.sleep(0.1)
    running.revoke(terminate=True, signal="SIGTERM")
    out["revoked_running"] = running.id
    held = echo.apply_async(("never",), countdown=3)
    time.sleep(0.5)
    held.revoke()
    out["revoked_eta"] = held.id
    c = chord(group(add.s(i, i) for i in range(3)), xsum.s()).apply_async()
    out["chord"] = {"body": c.id, "header": [r.id for r in c.parent.results]}
    ch = chain(add.s(1, 1), add.s(2), add.s(3)).apply_async()
    ids, node = [], ch
    while node is not None:
        ids.append(node.id)
        node = node.parent
    out["chain"] = list(reversed(ids))
    if wait:
        every = out["success"] + [out["failure"], out["retry_fail"], out["retry_success"], out["eta"],
                                   out["revoked_running"], out["revoked_eta"], out["chord"]["body"]] + out["chord"]["header"] + out["chain"]
        out["states"] = wait_all(every)
    return out


def secrets(secret, card):
    out = {"echo": echo.delay({"password": secret, "card": card}).id,
           "fail": fail.apply_async(kwargs={"message": "login refused: password=%s" % secret}).id}
    out["states"] = wait_all([out["echo"], out["fail"]])
    out["running"] = sleepy.apply_async((6,), {"password": secret}).id
    out["reserved"] = sleepy.apply_async((0.1,), {"token": secret, "card": card}).id
    out["scheduled"] = echo.apply_async(({"api_key": secret},), countdown=3600).id
    out["waiting"] = echo.apply_async(({"secret": secret, "card": card},), queue="nobody").id
    return out


def root_of(result):
    node = result
    while node.parent is not None:
        node = node.parent
    return node.id


def settle(result, timeout=60):
    """Waits until the workflow's last result is final (a failed chord's callback is marked, not run)."""
    try:
        result.get(timeout=timeout, propagate=False, disable_sync_subtasks=False)
    except Exception:  # a ChordError/revoke on the last node: final all the same
        pass
    time.sleep(1.0)  # the last events reach Trellis' collector


def workflow_nested():
    inner = chord([add.si(3, 3), add.si(4, 4)], group(echo.s(), echo.s()))
    canvas = chain(add.si(1, 1), chord([add.si(2, 2), inner], echo.si("joined")),
                   group(add.si(5, 5), add.si(6, 6)))
    res = canvas.apply_async()
    settle(res)
    return {"root": root_of(res), "last": res.id}


def workflow_chord_fail():
    res = chain(add.si(0, 0), chord([add.si(1, 1), fail.si("member broke"), add.si(2, 2)], xsum.s())).apply_async()
    settle(res)
    return {"root": root_of(res), "callback": res.id}


def workflow_revoked():
    res = chain(add.si(0, 0), chord([sleepy.si(0.2), sleepy.si(30)], xsum.s())).apply_async()
    victim = res.parent.results[1]
    deadline = time.time() + 20
    while app.AsyncResult(victim.id).state != "STARTED" and time.time() < deadline:
        time.sleep(0.1)
    victim.revoke(terminate=True, signal="SIGTERM")
    settle(res, timeout=20)
    return {"root": root_of(res), "callback": res.id, "revoked": victim.id}


def workflow_big(n):
    # A first task makes one root for all (a bare group's members are each their own root).
    res = chain(add.si(0, 0), group(add.si(i, i) for i in range(n))).apply_async()
    ids = [r.id for r in res.results]
    return {"root": root_of(res), "group": res.id, "states": wait_all(ids, timeout=120)}


def band_key(queue, priority):
    """The Redis list a message with this priority lands in (kombu's priority_steps, default 0,3,6,9)."""
    steps = app.conf.broker_transport_options.get("priority_steps", [0, 3, 6, 9])
    step = max([s for s in steps if s <= priority] or [0])
    prefix = app.conf.broker_transport_options.get("global_keyprefix", "")
    sep = app.conf.broker_transport_options.get("sep", "\x06\x16")
    return prefix + (queue if step == 0 else "%s%s%d" % (queue, sep, step))


def main(argv):
    wait = "--wait" in argv
    terminate = "--terminate" in argv
    args = [a for a in argv if a not in ("--wait", "--terminate")]
    scenario = args[0] if args else "workload"
    waited = None
    if scenario == "workload":
        out = workload(wait)
    elif scenario == "burst":
        out = {"ids": [add.delay(i, 1).id for i in range(int(args[1]))]}
        waited = out["ids"]
    elif scenario == "sleepers":
        n, seconds = int(args[1]), float(args[2])
        out = {"ids": [sleepy.delay(seconds).id for _ in range(n)]}
    elif scenario == "queue-only":
        queue, n = args[1], int(args[2])
        out = {"ids": [add.apply_async((i, 1), queue=queue).id for i in range(n)]}
    elif scenario == "priorities":
        queue, n = args[1], int(args[2])
        out = {"ids": [add.apply_async((i, 1), queue=queue, priority=i % 10).id for i in range(n)]}
    elif scenario == "queue-mix":
        queue = args[1]
        out = {"queue": queue}
        out["plain"] = add.apply_async((1, 2), queue=queue).id
        out["eta"] = add.apply_async((3, 4), queue=queue, countdown=3600).id
        out["priority"] = add.apply_async((5, 6), queue=queue, priority=7).id
        out["expires"] = echo.apply_async(("soon",), queue=queue, expires=3600).id
        out["kwargs"] = echo.apply_async(kwargs={"value": {"nested": [1, "two", None]}}, queue=queue).id
        out["keys"] = {"plain": band_key(queue, 0), "eta": band_key(queue, 0), "priority": band_key(queue, 7),
                       "expires": band_key(queue, 0), "kwargs": band_key(queue, 0)}
    elif scenario == "held":
        queue, n = args[1], int(args[2])
        out = {"ids": [echo.apply_async(("held %d" % i,), queue=queue, countdown=3600).id for i in range(n)]}
    elif scenario == "retry-pending":
        out = {"id": succeed_on_retry.delay(3600).id}
    elif scenario == "revoke":
        ids = args[1:]
        app.control.revoke(ids, terminate=terminate, signal="SIGTERM")
        out = {"revoked": ids, "terminate": terminate}
    elif scenario == "states":
        out = {}
        waited = args[1:]
        if not wait:
            out["states"] = {i: app.AsyncResult(i).state for i in waited}
    elif scenario == "failures":
        out = {"ids": [fail.delay("failure %d" % i).id for i in range(int(args[1]))]}
    elif scenario == "fail-to":
        queue, length, n = args[1], int(args[2]), int(args[3])
        out = {"ids": [fail.apply_async(("%d:" % i + "x" * length,), queue=queue).id for i in range(n)]}
        waited = out["ids"]
    elif scenario == "retry-fail":
        out = {"ids": [retry_then_fail.delay().id for _ in range(int(args[1]))]}
    elif scenario == "hog":
        out = {"id": hog.apply_async((int(args[1]),), queue=args[2] if len(args) > 2 else "celery").id}
    elif scenario == "trickle":
        queue, rate, seconds, task_seconds = args[1], float(args[2]), float(args[3]), float(args[4])
        ids, start = [], time.time()
        while time.time() - start < seconds:
            ids.append(sleepy.apply_async((task_seconds,), queue=queue).id)
            time.sleep(1.0 / rate)
        out = {"ids": ids}
    elif scenario == "secrets":
        out = secrets(args[1], args[2])
    elif scenario == "add-consumer":
        out = {"reply": app.control.add_consumer(args[1], destination=[args[2]], reply=True, timeout=5)}
    elif scenario == "workflow-nested":
        out = workflow_nested()
    elif scenario == "workflow-chord-fail":
        out = workflow_chord_fail()
    elif scenario == "workflow-revoked":
        out = workflow_revoked()
    elif scenario == "workflow-big":
        out = workflow_big(int(args[1]))
    else:
        raise SystemExit("unknown scenario: %s" % scenario)
    if wait and waited is not None:
        out["states"] = wait_all(waited)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
