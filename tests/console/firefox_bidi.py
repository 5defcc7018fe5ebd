"""A small WebDriver BiDi client for Debian's headless firefox-esr, which speaks BiDi itself: no geckodriver (Debian has
none) and nothing downloaded. Only what the console's Firefox test needs: navigate, evaluate, real pointer clicks and
key presses, user prompts, the requests a page makes, screenshots.

Firefox runs in its own process group with a fresh profile directory; `close()` kills that group (and the crash
helper Firefox starts in a group of its own) and removes the profile, whatever state the browser is in.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import websocket

FIREFOX = "/usr/bin/firefox-esr"

# Nothing leaves the machine: every proxiable request that is not to loopback (loopback is never proxied) goes to a
# closed loopback port, and the background services that would phone home are off.
PREFS = {
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1", "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": 9,
    "network.proxy.no_proxies_on": "",
    "network.trr.mode": 5,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.predictor.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/v1",
    "app.normandy.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "dom.push.connection.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "dom.ipc.processPrelaunch.enabled": False,
}


class BiDiError(AssertionError):
    pass


class Firefox:
    def __init__(self, width=1400, height=1100, start_timeout=30.0):
        self.profile = tempfile.mkdtemp(prefix="gameday-firefox-")
        self.process = None
        self.socket = None
        self.children = []
        self.events = []
        self.results = {}
        self.next_id = 0
        try:
            with open(os.path.join(self.profile, "user.js"), "w") as f:
                for key, value in PREFS.items():
                    f.write(f"user_pref({json.dumps(key)}, {json.dumps(value)});\n")
            self.log = open(os.path.join(self.profile, "firefox.log"), "w")
            # Port 0: Firefox picks a free one and writes it into the profile.
            self.process = subprocess.Popen(
                [FIREFOX, "--headless", "--no-remote", "--profile", self.profile, "--remote-debugging-port=0", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                env=dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1"))
            port = self._port(start_timeout)
            self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}/session", timeout=30, suppress_origin=True)
            # Prompts stay open until the test answers them (BiDi's default would dismiss them on its own).
            self.capabilities = self.call("session.new", {"capabilities": {"alwaysMatch": {"unhandledPromptBehavior": {"default": "ignore"}}}})["capabilities"]
            self.context = self.call("browsingContext.getTree", {})["contexts"][0]["context"]
            self.call("browsingContext.setViewport", {"context": self.context, "viewport": {"width": width, "height": height}})
            self.call("session.subscribe", {"events": ["browsingContext.userPromptOpened", "network.beforeRequestSent"],
                                            "contexts": [self.context]})
        except BaseException:
            self.close()
            raise

    @property
    def version(self):
        return self.capabilities["browserVersion"]

    def _port(self, timeout):
        path = os.path.join(self.profile, "WebDriverBiDiServer.json")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BiDiError(f"firefox-esr exited with {self.process.returncode} at start; see {self.log.name}")
            try:
                with open(path) as f:
                    return json.load(f)["ws_port"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise BiDiError(f"firefox-esr did not open its WebDriver BiDi port within {timeout}s")

    def close(self):
        """Ends the Firefox this object started (its process group, then its crash helper) and removes the profile."""
        if self.socket is not None:
            try:
                self.socket.close()
            except Exception:
                pass
        if self.process is not None:
            pid = self.process.pid
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    self.children = [int(c) for c in f.read().split()]
            except OSError:
                pass
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            for child in self.children:
                try:
                    if os.getpgid(child) != pid:
                        os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process = None
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    # The protocol: commands by id, events queued until asked for.
    def send(self, method, params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def _pump(self):
        message = json.loads(self.socket.recv())
        if "id" in message and message.get("type") in ("success", "error"):
            self.results[message["id"]] = message
        else:
            self.events.append(message)

    def result(self, command):
        while command not in self.results:
            self._pump()
        message = self.results.pop(command)
        if message["type"] == "error":
            raise BiDiError(f"{message['error']}: {message.get('message', '')}")
        return message["result"]

    def call(self, method, params):
        return self.result(self.send(method, params))

    def event(self, method, timeout=10.0):
        deadline = time.monotonic() + timeout
        self.socket.settimeout(timeout)
        try:
            while True:
                for e in self.events:
                    if e["method"] == method:
                        self.events.remove(e)
                        return e["params"]
                if time.monotonic() > deadline:
                    raise BiDiError(f"no {method} within {timeout}s")
                self._pump()
        except websocket.WebSocketTimeoutException:
            raise BiDiError(f"no {method} within {timeout}s")
        finally:
            self.socket.settimeout(30)

    def requests(self):
        """The URLs of every request the page made since the last call (navigations, scripts, fetches, streams)."""
        self.call("script.evaluate", {"expression": "0", "target": {"context": self.context}, "awaitPromise": False})
        urls = [e["params"]["request"]["url"] for e in self.events if e["method"] == "network.beforeRequestSent"]
        self.events = [e for e in self.events if e["method"] != "network.beforeRequestSent"]
        return urls

    # What the test does with the page.
    def navigate(self, url):
        self.call("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def js(self, expression):
        """The value of a JavaScript expression in the page, through JSON (None for undefined)."""
        answer = self.call("script.evaluate", {"expression": f"JSON.stringify({expression})", "target": {"context": self.context},
                                               "awaitPromise": False})
        if answer["type"] == "exception":
            raise BiDiError(f"{expression}: {answer['exceptionDetails']['text']}")
        value = answer["result"]
        return json.loads(value["value"]) if value["type"] == "string" else None

    def _element(self, selector):
        answer = self.call("script.evaluate", {
            "expression": f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (e) e.scrollIntoView({{block: 'center'}}); return e; }})()",
            "target": {"context": self.context}, "awaitPromise": False})
        value = answer.get("result", {})
        if value.get("type") != "node":
            raise BiDiError(f"no element matches {selector}")
        return value["sharedId"]

    def click(self, selector, wait=True):
        """A real mouse click in the middle of the element. With wait=False the command's id is returned, for a click
        that opens a prompt (the click completes only once the prompt is answered)."""
        element = self._element(selector)
        command = self.send("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": {"sharedId": element}}},
                        {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}]})
        return self.result(command) if wait else command

    def type(self, selector, text):
        """Clicks into the field, selects what it holds and types `text` over it, key by key."""
        self.click(selector)
        self.js(f"document.querySelector({json.dumps(selector)}).select()")
        keys = []
        for ch in text:
            keys += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self.call("input.performActions", {"context": self.context, "actions": [{"type": "key", "id": "keyboard", "actions": keys}]})
        self.call("input.releaseActions", {"context": self.context})

    def answer_prompt(self, accept=True, timeout=10.0):
        """Waits for a prompt (confirm, alert) and answers it; returns the prompt's message."""
        prompt = self.event("browsingContext.userPromptOpened", timeout)
        self.call("browsingContext.handleUserPrompt", {"context": self.context, "accept": accept})
        return prompt["message"]

    def screenshot(self, path):
        data = self.call("browsingContext.captureScreenshot", {"context": self.context})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
