"""The live console in headless Firefox (Debian's firefox-esr, driven over WebDriver BiDi by firefox_bidi.py), against
a real `gameday run --console` on the demo fleet."""
import json
import os
import urllib.parse

import pytest

from console_run import ARTIFACTS, BLIND_SECRETS, console_run, first, journal, process_state, until
from firefox_bidi import Firefox

# Installed on the page once it has loaded: the page's own clock (this machine's, as the journal's) at the first
# moment the chaos phase and the applied fault (its time left) are shown, to compare with their journal events.
SEEN = """(() => {
  const seen = window.__seen = {};
  const look = () => {
    const now = Date.now();
    if (!seen.chaos && document.getElementById('phase').dataset.phase === 'chaos') seen.chaos = now;
    for (const li of document.querySelectorAll('#faults li[data-fault-id]'))
      if (!seen[li.dataset.faultId] && li.textContent.includes('left')) seen[li.dataset.faultId] = now;
  };
  new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  look();
  return true;
})()"""


@pytest.fixture(scope="module")
def firefox():
    browser = Firefox()
    try:
        yield browser
    finally:
        browser.close()


def origin(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_firefox_live_console(work, fleet, firefox):
    """In Firefox: the page makes no request beyond the console, shows the chaos phase and the applied fault within
    2 s of their journal events; Detected lands in the journal with name and role; the facilitator's Abort, once
    confirmed, reverts everything and the run exits 3."""
    with console_run(work, fleet) as run:
        firefox.requests()
        firefox.navigate(run.urls["participant"])
        until(lambda: firefox.js("document.getElementById('plan').textContent") == "console-browser", what="run.start on the page")
        assert firefox.js("document.getElementById('role').textContent").startswith("participant")
        assert firefox.js(SEEN)

        chaos = first(run.run_dir, lambda e: e["type"] == "phase" and e["phase"] == "chaos", "the chaos phase")
        applied = first(run.run_dir, lambda e: e["type"] == "inject.end" and e["ok"], "the fault applied")
        seen = until(lambda: (lambda s: s if s.get("chaos") and s.get(applied["faultID"]) else None)(firefox.js("window.__seen")),
                     timeout=5, what="the chaos phase and the applied fault on the page")
        figures = {"browser": f"firefox {firefox.version}", "phase_ms": seen["chaos"] - chaos["wall"],
                   "fault_ms": seen[applied["faultID"]] - applied["wall"]}
        with open(os.path.join(ARTIFACTS, "latency-firefox.json"), "w") as f:
            json.dump(figures, f)
        print("firefox event-to-page delay:", figures)
        assert figures["phase_ms"] <= 2000, f"the chaos phase showed {figures['phase_ms']} ms after its journal event"
        assert figures["fault_ms"] <= 2000, f"the fault showed {figures['fault_ms']} ms after its inject.end"
        fault = firefox.js(f"document.querySelector('#faults li[data-fault-id=\"{applied['faultID']}\"]').textContent")
        assert "node-loss on r2" in fault and "left" in fault
        until(lambda: firefox.js("!!document.querySelector('.check[data-check=\"replica-r2\"][data-state=\"unhealthy\"]')"),
              what="replica-r2's lamp turning unhealthy")
        assert firefox.js("document.querySelectorAll('#timeline #now-line, .check[data-check=\"storefront\"] svg polyline').length") == 2

        # Detected, typed and clicked as a person would, lands in the journal with the name and role.
        firefox.type("#name", "Pat")
        firefox.click("#detected")
        until(lambda: any(e["type"] == "mark" and e["kind"] == "detected" and e.get("by") == "Pat" and e.get("role") == "participant"
                          for e in journal(run.run_dir)), what="the detected mark in the journal")
        until(lambda: "detected" in firefox.js("document.getElementById('log').textContent"), what="the mark in the event log")
        requests = firefox.requests()
        assert requests, "no request seen from the page"
        # Only the console is asked; data: URLs (Firefox fetches a built-in font that way) never leave the browser.
        strangers = [u for u in requests if origin(u) != origin(run.urls["participant"]) and not u.startswith("data:")]
        assert not strangers, f"the page asked for more than the console: {strangers}"
        assert any(u.startswith(origin(run.urls["participant"]) + "/api/events") for u in requests), requests
        firefox.js("window.scrollTo(0, 0)")
        firefox.screenshot(os.path.join(ARTIFACTS, "console-firefox-participant.png"))

        # The facilitator aborts: the confirmation is answered, everything is reverted, exit 3.
        firefox.navigate("about:blank")
        firefox.navigate(run.urls["facilitator"])
        until(lambda: firefox.js("document.getElementById('role').textContent").startswith("facilitator"), what="the facilitator's session")
        until(lambda: firefox.js("document.getElementById('phase').dataset.phase") == "chaos")
        firefox.type("#name", "Fay")
        until(lambda: firefox.js("(b => !b.disabled && b.offsetParent !== null)(document.getElementById('abort'))"), what="the abort button")
        click = firefox.click("#abort", wait=False)
        assert "exit 3" in firefox.answer_prompt(accept=True)
        firefox.result(click)
        assert run.process.wait(timeout=30) == 3
        events = journal(run.run_dir)
        assert any(e["type"] == "signal" and "Fay, facilitator" in e["name"] for e in events)
        assert any(e["type"] == "revert.end" for e in events) and all(e["ok"] for e in events if e["type"] == "revert.end")
        assert events[-1]["type"] == "run.end" and events[-1]["status"] == "interrupted"
        r2 = next(r for r in fleet["replicas"] if r["name"] == "r2")
        assert process_state(r2["pidFile"]) != "T", "r2 is still stopped after the abort"
        until(lambda: firefox.js("document.getElementById('phase').dataset.phase") == "ended", timeout=5, what="the page showing the end")


def test_firefox_blind_participant(work, fleet, firefox):
    """In Firefox, a blind participant's DOM never names the step, fault, plan or runbook, while the fault is applied
    and the health lamps show it."""
    with console_run(work, fleet, "--blind") as run:
        firefox.navigate("about:blank")
        firefox.navigate(run.urls["participant"])
        first(run.run_dir, lambda e: e["type"] == "inject.end" and e["ok"], "the fault applied")
        until(lambda: firefox.js("!!document.querySelector('.check[data-check=\"replica-r2\"][data-state=\"unhealthy\"]')"),
              what="health still visible to the blind participant")
        assert firefox.js("document.getElementById('phase').textContent") == "blind drill"
        assert firefox.js("document.getElementById('blind-box').offsetParent !== null"), "the diagnosis box is not shown"
        dom = firefox.js("document.documentElement.outerHTML")
        for secret in BLIND_SECRETS:
            assert secret not in dom, f"the blind participant's page shows {secret!r}"
        firefox.js("window.scrollTo(0, 0)")
        firefox.screenshot(os.path.join(ARTIFACTS, "console-firefox-blind-participant.png"))
