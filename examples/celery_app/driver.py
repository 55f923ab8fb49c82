"""Publishes a scenario of real tasks and prints ONE JSON line with the ids it created.

Usage: /usr/bin/python3 driver.py <scenario> [args] [--wait]
  workload            successes, a failure, retries (ending in failure and in success),
                      an ETA task, revoked tasks (terminated while running; revoked before its ETA),
                      a chord and a chain.
  burst N             N quick adds.
  sleepers N SECONDS  N tasks that each sleep SECONDS (no wait).
  queue-only QUEUE N  N adds published to QUEUE (nobody needs to consume it).
"""
import json
import sys
import time

from celery import chain, chord, group

from tasks import add, app, echo, fail, retry_then_fail, sleepy, succeed_on_retry, xsum


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


def main(argv):
    wait = "--wait" in argv
    args = [a for a in argv if a != "--wait"]
    scenario = args[0] if args else "workload"
    if scenario == "workload":
        out = workload(wait)
    elif scenario == "burst":
        out = {"ids": [add.delay(i, 1).id for i in range(int(args[1]))]}
        if wait:
            out["states"] = wait_all(out["ids"])
    elif scenario == "sleepers":
        n, seconds = int(args[1]), float(args[2])
        out = {"ids": [sleepy.delay(seconds).id for _ in range(n)]}
    elif scenario == "queue-only":
        queue, n = args[1], int(args[2])
        out = {"ids": [add.apply_async((i, 1), queue=queue).id for i in range(n)]}
    else:
        raise SystemExit("unknown scenario: %s" % scenario)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
