#!/usr/bin/env python3
"""N concurrent update-stream subscribers against `analytics serve`.

Opens N connections to /api/updates, waits until each has the current version, posts a
small batch to /api/ingest, and reports how long after the ingest's answer the last
subscriber had the new version, and how many got it.

    sse_fanout.py N BASE_URL INGEST_TOKEN
"""
import asyncio
import json
import sys
import time
import urllib.request
from urllib.parse import urlparse

N, BASE, TOKEN = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]
host, port = urlparse(BASE).hostname, urlparse(BASE).port


def batch_csv(rows=40):
    lines = ["date,county,employer_id,industry,occupation,key_group,age,sex,education,person_key"]
    stamp = int(time.time())
    for i in range(rows):
        key = f"{(stamp << 20) + i:016x}{i:016x}"
        lines.append(f"2026-10-20,370102,E37010200001,C,4-07-05-01,高校毕业生,24,女,本科,{key}")
    return ("\n".join(lines) + "\n").encode()


async def subscriber(ready, seen, target):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /api/updates HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    first = True
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data:"):
            version = json.loads(line[5:])["version"]
            if first:
                first = False
                ready.append(version)
            elif version >= target[0] > 0:
                seen.append(time.perf_counter())
                writer.close()
                return


async def main():
    ready, seen, target = [], [], [0]
    tasks = [asyncio.create_task(subscriber(ready, seen, target)) for _ in range(N)]
    while len(ready) < N:
        await asyncio.sleep(0.05)
        if any(t.done() for t in tasks):
            raise SystemExit(f"a subscriber closed early ({len(ready)} of {N} connected)")
    current = max(ready)
    target[0] = current + 1
    request = urllib.request.Request(
        f"{BASE}/api/ingest?source=employment_registrations&name=fanout.csv",
        data=batch_csv(), method="POST", headers={"Authorization": f"Bearer {TOKEN}"})
    started = time.perf_counter()
    report = await asyncio.to_thread(lambda: json.load(urllib.request.urlopen(request, timeout=600)))
    answered = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=120)
    last = max(seen) if seen else float("nan")
    print(f"SSE subscribers={N} connected={len(ready)} got_new_version={len(seen)} "
          f"version {current} -> {report['version']} ingest_answer_s={answered - started:.2f} "
          f"last_subscriber_after_answer_ms={(last - answered) * 1000:.1f}")


asyncio.run(main())
