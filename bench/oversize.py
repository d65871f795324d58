#!/usr/bin/env python3
"""What oversized uploads cost the server: N concurrent uploads of SIZE MiB, without a token
and with one, while the server's resident memory is sampled. Prints each upload's status and
time, and the server's RSS before, at its peak during, and after.

    bench/oversize.py PID BASE_URL TOKEN [UPLOADS] [SIZE_MIB]
"""
import http.client
import sys
import threading
import time
import urllib.parse


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def upload(base, token, size_mib, results, i):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    started = time.monotonic()
    chunk = b"x" * (1 << 20)
    headers = {"Content-Length": str(size_mib << 20)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status = "?"
    try:
        conn.putrequest("POST", "/api/ingest?source=employment_registrations&name=huge.csv")
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        sent = 0
        for _ in range(size_mib):
            conn.send(chunk)
            sent += 1
        status = conn.getresponse().status
    except (ConnectionError, BrokenPipeError, http.client.HTTPException) as e:
        # The server answers and closes before the body is all sent: read what it said.
        try:
            status = f"{conn.getresponse().status} after {sent} MiB"
        except Exception:
            status = f"closed after {sent} MiB ({type(e).__name__})"
    results[i] = (status, time.monotonic() - started)
    conn.close()


def run(pid, base, token, uploads, size_mib, label):
    results = [None] * uploads
    before = rss_mib(pid)
    peak = before
    threads = [threading.Thread(target=upload, args=(base, token, size_mib, results, i)) for i in range(uploads)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_mib(pid))
        time.sleep(0.02)
    after = rss_mib(pid)
    print(f"== {uploads} × {size_mib} MiB uploads, {label}")
    for status, seconds in results:
        print(f"   answer {status} in {seconds:.2f} s")
    print(f"   server RSS: {before:.0f} MiB before, {peak:.0f} MiB peak, {after:.0f} MiB after")


def main():
    pid, base, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    uploads = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    size_mib = int(sys.argv[5]) if len(sys.argv) > 5 else 400
    run(pid, base, None, uploads, size_mib, "no token")
    run(pid, base, token, uploads, size_mib, "ingest token (over limits.max_batch_bytes if SIZE exceeds it)")


if __name__ == "__main__":
    main()
