"""Smoke check of a started service (stdlib only, so it runs in the bare run install): wait for "ready" in the
log and /readyz all true, then one English, one Korean, a dilemma and a conversation analysis, every module ok and
every decision above `pass` with its reasons."""

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

READY_TIMEOUT_S = 420
HISTORY = [{"text": t} for t in (  # SURD of a conversation needs 17 or more of the person's utterances
    "I had a rough week at work.", "My manager yelled at me again today.", "I couldn't sleep last night.",
    "Today was a bit better, I went for a walk.", "I talked to my sister and felt calmer.",
    "Still worried about Monday though.", "The meeting went fine, surprisingly.", "I got praised for my report!",
    "Now I'm exhausted and a little sad.", "My friend cancelled our dinner, I'm annoyed.", "We rescheduled, it's ok.",
    "I cooked a new recipe and it was delicious.", "Rainy day, feeling low.", "Watched a funny movie, laughed a lot.",
    "Work piled up again and I'm stressed.", "I'm angry that nobody helps me.", "Took a long bath, calmer now.",
    "Looking forward to the weekend.")]
CASES = {
    "english": ({"text": "I lied to my friend and now I regret it"}, ("crisis", "emotion", "ethics")),
    "korean": ({"text": "친구에게 거짓말을 해서 후회돼요"}, ("crisis", "emotion", "ethics")),
    "dilemma": ({"text": "I found a wallet with $500 on the street.",
                 "alternatives": ["keep the money", "return the wallet to its owner"]},
                ("crisis", "emotion", "ethics")),
    "conversation": ({"text": "I think I will be fine after the weekend.", "history": HISTORY},
                     ("crisis", "emotion", "ethics", "surd")),
}


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_ready(base: str, log: Path, server: int) -> float:
    started = time.monotonic()
    while "Red Heart is ready after" not in log.read_text(errors="replace"):
        if not alive(server):
            raise SystemExit(f"FAIL: the service exited after {time.monotonic() - started:.0f} s")
        if time.monotonic() - started > READY_TIMEOUT_S:
            raise SystemExit(f"FAIL: not ready after {time.monotonic() - started:.0f} s")
        time.sleep(1)
    status, report = call(f"{base}/readyz")
    if status != 200 or not all(report["checks"].values()):
        raise SystemExit(f"FAIL: /readyz {status} {report}")
    return time.monotonic() - started


def main(base: str, log: str, server: str) -> int:
    print(f"ready after {wait_ready(base, Path(log), int(server)):.1f} s; /readyz all true")
    failed = []
    for name, (body, modules) in CASES.items():
        status, result = call(f"{base}/v1/analyze", body)
        statuses = {m: result.get(m, {}).get("status") for m in modules} if status == 200 else {}
        degraded = status == 200 and result["crisis"]["degraded"]
        decision = result["verification"]["decision"] if status == 200 else None
        explained = decision == "pass" or status == 200 and bool(result["verification"]["reasons"])
        ok = status == 200 and all(s == "ok" for s in statuses.values()) and not degraded and explained
        print(f"{name:13} HTTP {status} {statuses} degraded={degraded} decision={decision} {'ok' if ok else 'FAIL'}")
        if not ok:
            failed.append(name)
            print({m: result.get(m, {}).get("detail") for m in modules} if status == 200 else result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
