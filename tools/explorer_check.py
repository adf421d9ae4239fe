"""Check a running explorer (e.g. the one `make demo` serves): follow its links from the overview in
Japanese and in English, then fetch every certificate PDF and report download.

    python tools/explorer_check.py http://127.0.0.1:8000 --pages 700

Prints, per language, the pages visited by kind and every answer that was not 200 (or not in the
language asked for), then the downloads and the PDF rendering times. Exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter

import httpx

LINK = re.compile(r'href="(/[^"#]*)')
SKIP = ("/v1/", "/docs", "/static/")


def crawl(client: httpx.Client, lang: str, limit: int) -> list[str]:
    """Visit up to ``limit`` explorer pages breadth first; return what failed."""
    seen: set[str] = set()
    queue = ["/"]
    kinds: Counter[str] = Counter()
    failed = []
    started = time.monotonic()
    while queue and len(seen) < limit:
        url = queue.pop(0).replace("&amp;", "&")
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, headers={"Accept-Language": lang})
        kinds[url.split("?")[0].split("/")[1] or "/"] += 1
        if response.status_code != 200:
            failed.append(f"{url}: {response.status_code}")
            continue
        if f'<html lang="{lang}">' not in response.text:
            failed.append(f"{url}: not in {lang}")
        queue += [
            link
            for link in LINK.findall(response.text)
            if not link.startswith(SKIP) and "lang=" not in link
        ]
    print(
        f"{lang}: {len(seen)} pages in {time.monotonic() - started:.1f} s, "
        f"{len(failed)} failed; by kind {dict(kinds)}"
    )
    return failed


def downloads(client: httpx.Client) -> list[str]:
    """Fetch every certificate and report download in both languages; return what failed."""
    retirements = client.get("/v1/retirements", params={"limit": 500}).json()["items"]
    cancellations = client.get("/v1/cancellations", params={"limit": 500}).json()["items"]
    moved = client.get("/v1/transactions", params={"limit": 500}).json()["items"]
    years = sorted({int(m["proof"]["timestamp"][:4]) for m in moved})
    paths = [f"/retirements/{r['id']}.pdf" for r in retirements]
    paths += [f"/cancellations/{c['id']}.pdf" for c in cancellations]
    paths += [f"/reports/account-types.{fmt}" for fmt in ("csv", "pdf")]
    paths += [f"/reports/annual/{year}.{fmt}" for year in years for fmt in ("csv", "pdf")]
    failed, seconds = [], []
    for path in paths:
        for lang in ("ja", "en"):
            started = time.monotonic()
            response = client.get(path, params={"lang": lang})
            if path.endswith(".pdf"):
                seconds.append(time.monotonic() - started)
                ok = response.content.startswith(b"%PDF-")
            else:
                ok = response.text.count("\n") > 1
            if response.status_code != 200 or not ok:
                failed.append(f"{path}?lang={lang}: {response.status_code}")
    print(
        f"downloads: {len(retirements)} retirement and {len(cancellations)} cancellation "
        f"certificates, reports for {years}: {2 * len(paths)} files, {len(failed)} failed"
    )
    if seconds:
        print(
            f"PDF rendering: median {statistics.median(seconds):.2f} s, "
            f"max {max(seconds):.2f} s over {len(seconds)} PDFs"
        )
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the explorer, e.g. http://127.0.0.1:8000")
    parser.add_argument("--pages", type=int, default=700, help="pages to visit per language")
    args = parser.parse_args()
    with httpx.Client(base_url=args.base_url.rstrip("/"), timeout=120) as client:
        failed = crawl(client, "ja", args.pages) + crawl(client, "en", args.pages)
        failed += downloads(client)
    for line in failed[:50]:
        print("FAILED", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
