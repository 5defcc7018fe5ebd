"""The terminal status block of `gameday run`, in a real terminal: a private tmux server (send-keys, capture-pane)."""
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

from console_run import GAMEDAY, journal, until


def stop_plan(pid_file, duration):
    return f"""version: 1
name: stop-victim
environment: staging
targets:
  - name: victim
    address: 127.0.0.1
    process: {{ pidFile: "{pid_file}" }}
health:
  - name: always-ok
    command: [/bin/true]
    interval: 200ms
    failuresToUnhealthy: 1
    successesToHealthy: 1
hypothesis:
  - {{ check: always-ok, availability: 100% }}
timeline: {{ baseline: 500ms, recovery: 500ms }}
steps:
  - name: freeze
    at: 0s
    duration: {duration}
    fault: node-loss
    targets: {{ names: [victim] }}
    with: {{ signal: STOP }}
"""


class Pane:
    """One tmux pane on a server of its own (a per-test socket name), killed at the end."""

    def __init__(self, command):
        self.socket = f"gameday-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "run", "-x", "110", "-y", "32", command, check=True)

    def tmux(self, *arguments, check=False):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *arguments], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=10, check=check).stdout

    def lines(self):
        """The visible lines, as a person sees them (no escape sequences)."""
        return self.tmux("capture-pane", "-p", "-t", "run").split("\n")

    def send(self, *keys):
        self.tmux("send-keys", "-t", "run", *keys)

    def kill(self):
        self.tmux("kill-server")


@pytest.fixture()
def victim(work):
    process = subprocess.Popen(["sleep", "300"])
    pid_file = os.path.join(work, "victim.pid")
    with open(pid_file, "w") as f:
        f.write(f"{process.pid}\n")
    try:
        yield process, pid_file
    finally:
        process.send_signal(18)  # SIGCONT, in case a fault left it stopped
        process.kill()
        process.wait()


@pytest.fixture()
def work():
    with tempfile.TemporaryDirectory(prefix="gameday-tmux-") as directory:
        yield directory


def state(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return stat[stat.rindex(")") + 2]


def start(work, pid_file, duration, extra=""):
    if not shutil.which("tmux"):
        pytest.fail("tmux is missing: apt-get install tmux (make deps-test does)")
    with open(os.path.join(work, "plan.yaml"), "w") as f:
        f.write(stop_plan(pid_file, duration))
    return Pane(f"{GAMEDAY} run {work}/plan.yaml --runs-dir {work}/runs {extra}; echo EXIT=$?; sleep 120")


def run_dir(work):
    runs = os.path.join(work, "runs")
    return os.path.join(runs, until(lambda: os.listdir(runs) if os.path.isdir(runs) else None)[0])


def test_block_above_the_log(work, victim):
    """The block sits in the top lines during chaos (phase, countdowns, the fault with its time left, a lamp per
    check) while the log scrolls below it; a `d` typed in the pane is journaled; at the end it says so."""
    process, pid_file = victim
    pane = start(work, pid_file, "5s")
    try:
        def block():
            lines = pane.lines()
            return len(lines) > 6 and lines[0].startswith("gameday stop-victim  chaos  T+00:") \
                and lines[1].startswith("fault freeze: node-loss on victim  ") and lines[1].endswith("s left") \
                and "● always-ok" in lines[4] and lines
        lines = until(block, what="the status block during chaos")
        assert "chaos ends in " in lines[0] and "run ends in " in lines[0]
        assert lines[5].startswith("─")
        assert any(line.startswith("gameday: running stop-victim") for line in lines[6:]), "the log is not below the block"
        assert not any(line.startswith("gameday: running") for line in lines[:6]), "a log line overwrote the block"

        pane.send("d", "Enter")
        directory = run_dir(work)
        until(lambda: any(e["type"] == "mark" and e["kind"] == "detected" for e in journal(directory)),
              what="the d typed in the pane, journaled")
        end = until(lambda: "EXIT=0" in pane.lines() and pane.lines(), timeout=30, what="the run's end")
        assert end[0].startswith("gameday stop-victim  ended: completed"), end[0]
        assert end[1] == "faults: none active"
        assert any(line.startswith("gameday: completed; verdict HELD") for line in end)
        assert state(process.pid) != "T"
    finally:
        pane.kill()


def test_blind_block_hides_the_fault(work, victim):
    """A blind drill's terminal never shows which fault, step or target is active while the run goes on."""
    process, pid_file = victim
    pane = start(work, pid_file, "3s", "--blind --no-input")
    try:
        until(lambda: state(process.pid) == "T" and "chaos" in pane.lines()[0], what="the blind run's chaos phase")
        directory = run_dir(work)
        captures = 0
        for _ in range(150):
            # Captured before looking at the journal: once run.end is journaled, the closing lines (the
            # postmortem's path names the plan) reveal everything by design.
            lines = pane.lines()
            events = journal(directory)
            if events and events[-1]["type"] == "run.end":
                break
            text = "\n".join(lines)
            for secret in ("freeze", "victim", "node-loss", "STOP"):
                assert secret not in text, f"'{secret}' on a blind terminal:\n{text}"
            assert lines[0].startswith("gameday blind drill  ")
            assert lines[1] == "faults: hidden (blind drill)"
            captures += 1
            time.sleep(0.2)
        assert captures >= 5, "the run ended before the block was looked at"
        until(lambda: "EXIT=0" in pane.lines(), timeout=20, what="the blind run's end")
    finally:
        pane.kill()


def test_closing_the_terminal_reverts(work, victim):
    """Closing the terminal mid-fault (its tmux server goes away) still reverts and journals the end: the block
    leaves the closed-output and SIGHUP handling as it was."""
    process, pid_file = victim
    pane = start(work, pid_file, "60s")
    until(lambda: state(process.pid) == "T" and pane.lines()[1].endswith("s left"), what="the fault on the block")
    directory = run_dir(work)
    pane.kill()
    until(lambda: journal(directory) and journal(directory)[-1]["type"] == "run.end", timeout=30,
          what="run.end after the terminal closed")
    assert journal(directory)[-1]["status"] == "interrupted"
    assert state(process.pid) != "T", "the victim is still stopped after the terminal closed"
