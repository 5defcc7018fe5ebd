"""The live console in headless chromium, against a real `gameday run --console` on the demo fleet."""
import functools
import json
import os
import subprocess

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from console_run import ARTIFACTS, BLIND_SECRETS, GAMEDAY, console_run, journal, now_ms, plan, process_state
from console_run import until as _until

# The page re-renders parts of itself twice a second: an element found a moment ago may be gone; ask again.
until = functools.partial(_until, retry_on=(StaleElementReferenceException,))


@pytest.fixture()
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_live_console(work, fleet, browser):
    """Phase and fault appear within 2 s of their journal events; a participant's Detected and runbook tick land in
    the journal with name and role; an observer gets no actions; the facilitator's Abort reverts everything, exit 3."""
    with console_run(work, fleet) as started:
        run, urls, run_dir = started.process, started.urls, started.run_dir

        browser.get(urls["participant"])
        until(lambda: browser.find_element(By.ID, "plan").text == "console-browser", what="run.start on the page")
        assert browser.find_element(By.ID, "role").text.lower().startswith("participant")

        # The chaos phase and the injected fault, each within 2 s of its journal event.
        chaos = until(lambda: next((e for e in journal(run_dir) if e["type"] == "phase" and e["phase"] == "chaos"), None), every=0.02)
        until(lambda: browser.find_element(By.ID, "phase").get_attribute("data-phase") == "chaos", timeout=5, every=0.02)
        seen = now_ms()
        figures = {"phase_ms": seen - chaos["wall"]}
        assert seen - chaos["wall"] <= 2000, f"the chaos phase showed {seen - chaos['wall']} ms after its journal event"
        applied = until(lambda: next((e for e in journal(run_dir) if e["type"] == "inject.end" and e["ok"]), None), every=0.02)
        # Shown at inject.begin as "applying…", then with its time left once inject.end says it is applied.
        until(lambda: "left" in "".join(li.text for li in browser.find_elements(By.CSS_SELECTOR, f'#faults li[data-fault-id="{applied["faultID"]}"]')),
              timeout=5, every=0.02)
        seen = now_ms()
        figures["fault_ms"] = seen - applied["wall"]
        with open(os.path.join(ARTIFACTS, "latency.json"), "w") as f:
            json.dump(figures, f)
        assert seen - applied["wall"] <= 2000, f"the fault showed {seen - applied['wall']} ms after its inject.end"
        fault_text = until(lambda: browser.find_element(By.CSS_SELECTOR, f'#faults li[data-fault-id="{applied["faultID"]}"]').text)
        assert "node-loss on r2" in fault_text and "left" in fault_text
        until(lambda: browser.find_elements(By.CSS_SELECTOR, '.check[data-check="replica-r2"][data-state="unhealthy"]'),
              what="replica-r2's lamp turning unhealthy")
        assert browser.find_elements(By.CSS_SELECTOR, "#timeline #now-line")
        assert browser.find_elements(By.CSS_SELECTOR, '.check[data-check="storefront"] svg polyline')

        # Detected, from the page, lands in the journal with the person's name and role.
        name = browser.find_element(By.ID, "name")
        name.clear()
        name.send_keys("Pat")
        browser.find_element(By.ID, "detected").click()
        until(lambda: any(e["type"] == "mark" and e["kind"] == "detected" and e.get("by") == "Pat" and e.get("role") == "participant"
                          for e in journal(run_dir)), what="the detected mark in the journal")
        # A runbook checklist item ticked on the page is journaled, and shows as done once the journal says so.
        item = until(lambda: browser.find_elements(By.CSS_SELECTOR, "#runbook li[data-item] input"), what="the runbook checklist")[0]
        item_text = item.find_element(By.XPATH, "./ancestor::li").get_attribute("data-item")
        item.click()
        until(lambda: any(e["type"] == "mark" and e["kind"] == "done" and e.get("text") == item_text for e in journal(run_dir)),
              what="the runbook item in the journal")
        until(lambda: browser.find_elements(By.CSS_SELECTOR, "#runbook li.done"), what="the item shown done")
        until(lambda: "detected" in browser.find_element(By.ID, "log").text)
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.path.join(ARTIFACTS, "console-participant.png"))

        # The observer sees the same run and has no actions.
        browser.get(urls["observer"])
        until(lambda: browser.find_element(By.ID, "phase").get_attribute("data-phase") == "chaos")
        assert not browser.find_element(By.ID, "actions").is_displayed()
        assert not browser.find_element(By.ID, "abort").is_displayed()

        # The facilitator aborts (with a confirmation): everything reverted, exit 3, as with SIGINT.
        browser.get(urls["facilitator"])
        until(lambda: browser.find_element(By.ID, "phase").get_attribute("data-phase") == "chaos")
        name = browser.find_element(By.ID, "name")
        name.clear()
        name.send_keys("Fay")
        abort = browser.find_element(By.ID, "abort")
        until(lambda: abort.is_displayed() and abort.is_enabled(), what="the abort button")
        abort.click()
        until(lambda: _accept_alert(browser), timeout=5, what="the abort confirmation")
        assert run.wait(timeout=30) == 3
        events = journal(run_dir)
        assert any(e["type"] == "signal" and "Fay, facilitator" in e["name"] for e in events)
        assert all(e["ok"] for e in events if e["type"] == "revert.end")
        assert any(e["type"] == "revert.end" for e in events)
        assert events[-1]["type"] == "run.end" and events[-1]["status"] == "interrupted"
        r2 = next(r for r in fleet["replicas"] if r["name"] == "r2")
        assert process_state(r2["pidFile"]) != "T", "r2 is still stopped after the abort"
        until(lambda: browser.find_element(By.ID, "phase").get_attribute("data-phase") == "ended", timeout=5)
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.path.join(ARTIFACTS, "console-facilitator-aborted.png"))


def _accept_alert(browser):
    try:
        browser.switch_to.alert.accept()
        return True
    except Exception:
        return False


def test_blind_drill(work, fleet, browser):
    """A blind participant's page never shows the fault, step, target, plan or runbook; a diagnosis typed there is
    journaled, and the facilitator's page marks it correct."""
    with console_run(work, fleet, "--blind") as started:
        urls, run_dir = started.urls, started.run_dir
        browser.get(urls["participant"])
        until(lambda: any(e["type"] == "inject.end" and e["ok"] for e in journal(run_dir)), what="the fault applied")
        until(lambda: browser.find_elements(By.CSS_SELECTOR, '.check[data-check="replica-r2"][data-state="unhealthy"]'),
              what="health still visible to the blind participant")
        assert browser.find_element(By.ID, "blind-box").is_displayed()
        name = browser.find_element(By.ID, "name")
        name.clear()
        name.send_keys("Bo")
        box = browser.find_element(By.ID, "diagnosis")
        box.send_keys("replica r2 is frozen")
        browser.find_element(By.CSS_SELECTOR, "#diagnosis-form button").click()
        until(lambda: "replica r2 is frozen" in browser.find_element(By.ID, "diagnoses").text, what="the diagnosis on the page")
        dom = browser.execute_script("return document.documentElement.outerHTML")
        for secret in BLIND_SECRETS:
            assert secret not in dom, f"the blind participant's page shows {secret!r}"
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(os.path.join(ARTIFACTS, "console-blind-participant.png"))

        browser.get(urls["facilitator"])
        button = until(lambda: browser.find_elements(By.CSS_SELECTOR, "#diagnoses li button"), what="the facilitator's verdict button")[0]
        name = browser.find_element(By.ID, "name")
        name.clear()
        name.send_keys("Fay")
        button.click()
        until(lambda: any(e["type"] == "mark" and e["kind"] == "correct" and e.get("by") == "Fay" for e in journal(run_dir)),
              what="the verdict in the journal")
        until(lambda: browser.find_elements(By.CSS_SELECTOR, "#diagnoses li.correct"))
        assert "freeze-r2" in browser.execute_script("return document.documentElement.outerHTML"), "the facilitator sees everything"


def test_html_report(work, fleet, browser):
    """`gameday report --html` of a real run: one self-contained file (every chart inlined as SVG, nothing fetched),
    the same bytes when rendered again, readable in chromium; a screenshot is kept."""
    plan_path = os.path.join(work, "plan.yaml")
    with open(plan_path, "w") as f:
        f.write(plan(fleet, duration="3s"))
    runs = os.path.join(work, "runs")
    run = subprocess.run([GAMEDAY, "run", plan_path, "--runs-dir", runs, "--no-input"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert run.returncode in (0, 1), run.stderr
    run_dir = os.path.join(runs, os.listdir(runs)[0])
    report = subprocess.run([GAMEDAY, "report", "--html", run_dir], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert report.returncode == 0, report.stderr
    html_path = os.path.join(run_dir, "postmortem.html")
    assert html_path in report.stdout.split()
    with open(html_path, "rb") as f:
        first = f.read()
    assert subprocess.run([GAMEDAY, "report", "--html", run_dir], stdout=subprocess.DEVNULL, timeout=30).returncode == 0
    with open(html_path, "rb") as f:
        assert f.read() == first, "the HTML report is not deterministic"
    charts = sorted(n for n in os.listdir(run_dir) if n.startswith("chart-") and n.endswith(".svg"))
    assert charts, "the run drew no charts"

    browser.get("file://" + html_path)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Postmortem: console-browser"
    assert "freeze-r2" in browser.find_element(By.TAG_NAME, "main").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure svg")) == len(charts)
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0, "the report fetched something"
    assert not browser.find_elements(By.CSS_SELECTOR, "img, script, link[rel=stylesheet]")
    browser.save_screenshot(os.path.join(ARTIFACTS, "report-html.png"))
    browser.execute_script("document.querySelector('figure').scrollIntoView()")
    browser.save_screenshot(os.path.join(ARTIFACTS, "report-html-charts.png"))
