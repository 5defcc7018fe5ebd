"""What the console's browser tests share: the environment from run.sh, bounded waits, the run's journal, a plan
against the demo fleet, and a real `gameday run --console` started and always stopped (fixtures: conftest.py)."""
import contextlib
import json
import os
import signal
import subprocess
import time

GAMEDAY = os.environ["GAMEDAY"]
ROOT = os.environ["GAMEDAY_ROOT"]
ARTIFACTS = os.environ["GAMEDAY_ARTIFACTS"]
RUNBOOK = os.path.join(ROOT, "runbooks", "checkout-replica-loss.md")


def until(condition, timeout=20.0, every=0.05, what="condition", retry_on=()):
    """Polls `condition` until it returns something truthy (returned) or `timeout` passes (fails the test). An
    exception in `retry_on` counts as "not yet" (a page re-renders parts of itself: an element may just be gone)."""
    def attempt():
        try:
            return condition()
        except retry_on:
            return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = attempt()
        if value:
            return value
        time.sleep(every)
    value = attempt()
    assert value, f"timed out after {timeout}s waiting for {what}"
    return value


def journal(run_dir):
    path = os.path.join(run_dir, "journal.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first(run_dir, predicate, what):
    """The first journal event matching `predicate`, waited for."""
    return until(lambda: next((e for e in journal(run_dir) if predicate(e)), None), every=0.02, what=what)


def now_ms():
    return int(time.time() * 1000)


def plan(fleet, runbook=RUNBOOK, duration="60s"):
    r2 = next(r for r in fleet["replicas"] if r["name"] == "r2")
    return f"""version: 1
name: console-browser
environment: staging
runbook: {runbook}
targets:
  - name: r2
    address: 127.0.0.1
    process: {{ pidFile: "{r2['pidFile']}" }}
health:
  - name: storefront
    http: {{ url: "{fleet['balancerURL']}/checkout", bodyContains: ok }}
    interval: 300ms
    timeout: 1s
    failuresToUnhealthy: 2
    successesToHealthy: 2
  - name: replica-r2
    http: {{ url: "{r2['url']}/health", bodyContains: ok }}
    interval: 300ms
    timeout: 500ms
    failuresToUnhealthy: 2
    successesToHealthy: 2
guardrails:
  - {{ check: storefront, unhealthyFor: 30s }}
timeline: {{ baseline: 2s, recovery: 1s }}
steps:
  - name: freeze-r2
    at: 0s
    duration: {duration}
    fault: node-loss
    targets: {{ names: [r2] }}
    with: {{ signal: STOP }}
"""


# What no blind participant's page may contain: the step, the fault, the plan, the runbook, the signal.
BLIND_SECRETS = ("freeze-r2", "node-loss", "console-browser", "checkout-replica-loss", "SIGSTOP", "Runbook:")


def links(stderr_path):
    found = {}
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            words = line.split()
            if len(words) == 4 and words[0] == "gameday:" and words[1] == "console" and words[3].startswith("http://"):
                found[words[2]] = words[3]
    return found if len(found) == 3 else None


def process_state(pid_file):
    with open(pid_file) as f:
        pid = int(f.read().strip())
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return stat[stat.rindex(")") + 2]


class Run:
    def __init__(self, process, urls, run_dir):
        self.process, self.urls, self.run_dir = process, urls, run_dir


def stop(process, sig, timeout):
    """Sends `sig` to a child we started, waits up to `timeout` seconds, then kills it."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def console_run(work, fleet, *flags, duration="60s"):
    """`gameday run PLAN --console 127.0.0.1:0 [flags]` against the demo fleet, once its three links are printed and
    its run directory exists; interrupted (SIGINT, which reverts; SIGKILL after 30 s) if still running at the end."""
    plan_path = os.path.join(work, "plan.yaml")
    with open(plan_path, "w") as f:
        f.write(plan(fleet, duration=duration))
    stderr_path = os.path.join(work, "run.stderr")
    runs = os.path.join(work, "runs")
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen([GAMEDAY, "run", plan_path, "--runs-dir", runs, "--no-input", *flags,
                                    "--console", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        urls = until(lambda: links(stderr_path), what="the console's three links")
        run_dir = os.path.join(runs, until(lambda: os.listdir(runs) if os.path.isdir(runs) else None, what="the run directory")[0])
        yield Run(process, urls, run_dir)
    finally:
        stop(process, signal.SIGINT, 30)
