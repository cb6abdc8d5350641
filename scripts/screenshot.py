#!/usr/bin/env python3
"""Screenshots of Odoo pages for the readmes (a development tool, not a test).

Logs in over JSON-RPC, hands the session cookie to a headless Chromium driven through
the DevTools protocol, opens each URL, waits until the page is quiet and a CSS selector
is there, and saves a PNG:

    .venv/bin/python scripts/screenshot.py --url http://127.0.0.1:8069 --db crm_ext \\
        --shot "/odoo/action-crm_ext_analytics.crm_ext_rfm_map_action" ".o_crm_ext_rfm_map svg" rfm_map.png
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

import websocket


def login(base, db, user, password):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    payload = {"jsonrpc": "2.0", "params": {"db": db, "login": user, "password": password}}
    request = urllib.request.Request(
        f"{base}/web/session/authenticate",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json.load(opener.open(request))
    if answer.get("error"):
        raise SystemExit(f"login failed: {answer['error']['data']['message']}")
    return next(cookie.value for cookie in jar if cookie.name == "session_id")


class Browser:
    def __init__(self, width, height):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="crm_ext_shot_")
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--window-size={width},{height}", f"--user-data-dir={self.profile}",
             f"--remote-debugging-port={port}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
                page = next(target for target in targets if target["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.1)
        else:
            raise SystemExit("Chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def shoot(self, url, selector, path, timeout=60):
        self.send("Page.navigate", url=url)
        deadline = time.time() + timeout
        check = f"!!document.querySelector({json.dumps(selector)}) && document.readyState === 'complete'"
        while time.time() < deadline and not self.evaluate(check):
            time.sleep(0.3)
        if not self.evaluate(check):
            raise SystemExit(f"{url}: {selector} did not appear within {timeout} s")
        time.sleep(1.5)  # charts animate
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))
        print(f"saved {path}")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="crm_ext")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--size", default="1440x900")
    parser.add_argument(
        "--shot", nargs=3, action="append", metavar=("PATH", "SELECTOR", "PNG"), required=True
    )
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    session = login(args.url, args.db, args.login, args.password)
    browser = Browser(width, height)
    try:
        host = args.url.split("//", 1)[1].split(":")[0].split("/")[0]
        browser.send("Network.setCookie", name="session_id", value=session, domain=host, path="/")
        for path, selector, png in args.shot:
            browser.shoot(args.url + path, selector, png)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
