"""ConsoleBench: 50 SSE viewers on a real run's console; latency from each journal event's wall time to its arrival
at every viewer, and the run's CPU (user + system, from wait4) with 50 viewers and with none. Standard library only."""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

GAMEDAY, CHAOS = sys.argv[1], int(sys.argv[2])
VIEWERS, CHECKS = 50, 4


def plan(pid_file, port):
    checks = "".join(f"""
  - name: tcp-{i}
    tcp: "127.0.0.1:{port}"
    interval: 100ms
    timeout: 1s
""" for i in range(CHECKS))
    return f"""version: 1
name: console-bench
environment: staging
targets:
  - name: victim
    address: 127.0.0.1
    process: {{ pidFile: "{pid_file}" }}
health:{checks}
timeline: {{ baseline: 1s, recovery: 1s }}
steps:
  - name: freeze
    at: 0s
    duration: {CHAOS}s
    fault: node-loss
    targets: {{ names: [victim] }}
    with: {{ signal: STOP }}
"""


def listener():
    """A loopback TCP server the checks connect to (accepts and closes)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)

    def serve():
        while True:
            try:
                connection, _ = server.accept()
                connection.close()
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    return server


def run(work, plan_path, console):
    stderr_path = os.path.join(work, f"stderr-{console}")
    arguments = [GAMEDAY, "run", plan_path, "--runs-dir", os.path.join(work, "runs"), "--no-input", "--quiet"]
    if console:
        arguments += ["--console", "127.0.0.1:0"]
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=stderr)
    start = time.monotonic()
    latencies, threads = [], []
    if console:
        address = None
        for _ in range(300):
            with open(stderr_path) as f:
                for line in f:
                    words = line.split()
                    if len(words) == 4 and words[1] == "console" and words[2] == "observer":
                        address = words[3][len("http://"):].split("/")[0]
            if address:
                break
            time.sleep(0.05)
        assert address, "the console did not start"
        lock = threading.Lock()

        def view():
            host, port = address.rsplit(":", 1)
            connection = http.client.HTTPConnection(host, int(port), timeout=CHAOS + 60)
            connection.request("GET", "/api/events")
            response = connection.getresponse()
            joined = int(time.time() * 1000)
            mine = []
            is_journal = False
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line == "event: journal":
                    is_journal = True
                elif line == "":
                    is_journal = False
                elif is_journal and line.startswith("data: "):
                    event = json.loads(line[6:])
                    if event["wall"] >= joined:   # live events only, not the replay a late joiner gets
                        mine.append(int(time.time() * 1000) - event["wall"])
            with lock:
                latencies.extend(mine)
        for _ in range(VIEWERS):
            thread = threading.Thread(target=view, daemon=True)
            thread.start()
            threads.append(thread)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - start
    for thread in threads:
        thread.join(timeout=10)
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, elapsed, latencies


def main():
    with tempfile.TemporaryDirectory(prefix="gameday-consolebench-") as work:
        victim = subprocess.Popen(["sleep", "600"])
        server = listener()
        try:
            pid_file = os.path.join(work, "victim.pid")
            with open(pid_file, "w") as f:
                f.write(f"{victim.pid}\n")
            plan_path = os.path.join(work, "plan.yaml")
            with open(plan_path, "w") as f:
                f.write(plan(pid_file, server.getsockname()[1]))
            status0, cpu0, elapsed0, _ = run(work, plan_path, console=False)
            status1, cpu1, elapsed1, latencies = run(work, plan_path, console=True)
        finally:
            victim.kill()
            victim.wait()
            server.close()
    assert status0 == 0 and status1 == 0, f"runs exited {status0} and {status1}"
    latencies.sort()
    p50 = latencies[len(latencies) // 2] if latencies else -1
    p99 = latencies[max(0, (len(latencies) * 99 + 99) // 100 - 1)] if latencies else -1
    none_pct, with_pct = 100 * cpu0 / elapsed0, 100 * cpu1 / elapsed1
    print(f"console: {VIEWERS} viewers, {len(latencies)} event deliveries: latency p50 {p50} ms, p99 {p99} ms (goal < 250 ms)")
    print(f"console: run CPU {none_pct:.1f}% of a core without viewers, {with_pct:.1f}% with {VIEWERS}: "
          f"+{with_pct - none_pct:.1f} points (goal <= 5)")
    ok = 0 <= p99 < 250 and with_pct - none_pct <= 5
    print(f"console: {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


main()
